#!/usr/bin/env bash
# `make run`: set up, start the embedded database (unless MONGODB_URI is set), build and serve
# enrich on http://127.0.0.1:3000. Ctrl-C stops the app and the database it started.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
"$ROOT/tools/setup.sh" run

PIDFILE="$ROOT/data/mongo.pid"
MONGO_PID=""; APP_PID=""
cleanup() {
  if [ -n "$APP_PID" ]; then stop_pid "$APP_PID"; fi
  if [ -n "$MONGO_PID" ]; then stop_pid "$MONGO_PID"; rm -f "$PIDFILE"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
trap 'exit 129' HUP

if [ -z "${MONGODB_URI:-}" ]; then
  mkdir -p data
  # A database left running by a run whose terminal was killed holds the port and the file lock.
  if [ -f "$PIDFILE" ] && ps -p "$(cat "$PIDFILE")" -o args= 2>/dev/null | grep -q enrich-mongo-server; then
    log "stopping the database left running by an earlier run (pid $(cat "$PIDFILE"))"
    stop_pid "$(cat "$PIDFILE")"
  fi
  start_mongo data/mongo.log "${ENRICH_MONGO_PORT:-27017}" --data "$ROOT/data/enrich.mv"
  echo "$MONGO_PID" > "$PIDFILE"
  export MONGODB_URI="$MONGO_URI"
else
  log "using the MongoDB at MONGODB_URI"
fi

# The first admin: unless one is configured, make one up on the first run and say where the
# password is (the server creates the admin only while there are no users at all).
if [ -z "${ENRICH_ADMIN_EMAIL:-}" ]; then
  mkdir -p data
  if [ ! -f data/admin-password ]; then
    (umask 077; head -c 15 /dev/urandom | base64 | tr -d '/+=' > data/admin-password)
  fi
  export ENRICH_ADMIN_EMAIL="admin@localhost" ENRICH_ADMIN_PASSWORD="$(cat data/admin-password)"
  log "sign in as admin@localhost with the password in data/admin-password (first run only)"
fi

# The demo storefront at /demo/shop is on for `make run` (off by default in production).
export ENRICH_DEMO_SHOP="${ENRICH_DEMO_SHOP:-true}"

# Build with cargo-leptos, then run the server ourselves: owning its pid is what lets Ctrl-C,
# SIGTERM and a closed terminal (SIGHUP) stop it before the database, never leaving it orphaned.
# Users get the optimised build (release server, size-optimised and wasm-opt'd WASM, about
# 1.8 MB gzipped instead of the 21 MB debug bundle); RELEASE=0 is the quicker build for working
# on enrich itself.
if [ "${RELEASE:-1}" = 1 ]; then
  "$ROOT/tools/build-release.sh"
  BIN=target/server-release/enrich
else
  cargo leptos build
  BIN=target/debug/enrich
fi
"$BIN" &
APP_PID=$!
wait "$APP_PID"
