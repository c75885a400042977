# Shared helpers for the tools/ scripts. Source it; do not run it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MONGO_JAR="$ROOT/tools/mongo-server/target/enrich-mongo-server.jar"

log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# start_mongo <log-file> <port> (--data FILE | --memory): starts the embedded MongoDB-wire server
# in the background and sets MONGO_PID and MONGO_URI once it is listening. Port 0 picks a free one.
start_mongo() {
  local logfile="$1" port="$2"; shift 2
  [ -f "$MONGO_JAR" ] || die "the database server is not built: run tools/setup.sh"
  : > "$logfile"
  java -Xss4m -jar "$MONGO_JAR" --host 127.0.0.1 --port "$port" "$@" >"$logfile" 2>&1 &
  MONGO_PID=$!
  local i ready=""
  for i in $(seq 1 300); do
    ready="$(grep -m1 '^READY ' "$logfile" || true)"
    [ -n "$ready" ] && break
    kill -0 "$MONGO_PID" 2>/dev/null || { cat "$logfile" >&2; die "the database server exited during start-up (log above)"; }
    sleep 0.1
  done
  [ -n "$ready" ] || { kill "$MONGO_PID" 2>/dev/null || true; die "the database server did not start within 30 s (see $logfile)"; }
  MONGO_URI="mongodb://${ready#READY }"
  log "MongoDB-wire server (mongo-java-server) listening at $MONGO_URI (pid $MONGO_PID)"
}

# start_smtp_sink <log-file> <mail-file>: starts the tests' SMTP server on a free port and sets
# SMTP_PID and SMTP_PORT once it listens; each accepted message is a JSON line in <mail-file>.
start_smtp_sink() {
  local logfile="$1" mail="$2" i ready=""
  "$ROOT/.tools/smtp-venv/bin/python" "$ROOT/tools/smtp-sink/sink.py" --log "$mail" >"$logfile" 2>&1 &
  SMTP_PID=$!
  for i in $(seq 1 100); do
    ready="$(grep -m1 '^READY ' "$logfile" || true)"
    [ -n "$ready" ] && break
    kill -0 "$SMTP_PID" 2>/dev/null || { cat "$logfile" >&2; die "the SMTP sink exited during start-up (log above)"; }
    sleep 0.1
  done
  [ -n "$ready" ] || die "the SMTP sink did not start within 10 s (see $logfile)"
  SMTP_PORT="${ready##*:}"
  log "SMTP sink (aiosmtpd) listening on port $SMTP_PORT (pid $SMTP_PID)"
}

# stop_pid <pid>: SIGTERM, then wait up to 15 s (the database closes its file cleanly), then SIGKILL.
stop_pid() {
  local pid="$1" i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

# free_port: a TCP port nothing listens on right now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ensure_wasm_opt: release builds need wasm-opt. Debian's binaryen 108 produces a bundle that does
# not hydrate; npm's binaryen 132 works. Installed under .tools/ (git-ignored) and put on PATH.
ensure_wasm_opt() {
  local prefix="$ROOT/.tools/binaryen"
  if [ ! -x "$prefix/node_modules/.bin/wasm-opt" ]; then
    log "installing wasm-opt (npm binaryen@132)"
    mkdir -p "$prefix"
    npm install --prefix "$prefix" --no-audit --no-fund --no-save binaryen@132 >&2
  fi
  export PATH="$prefix/node_modules/.bin:$PATH"
}

# wait_http <url> <seconds>: polls until the URL answers 200.
wait_http() {
  local url="$1" seconds="$2" i
  for i in $(seq 1 $((seconds * 5))); do
    curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
    sleep 0.2
  done
  return 1
}
