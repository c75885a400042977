#!/usr/bin/env bash
# Installs whatever is missing for `make run` (and, with `test`, for `make test`). Idempotent:
# a second run only checks versions. Nothing is downloaded at build or run time afterwards.
#   tools/setup.sh          # run prerequisites
#   tools/setup.sh test     # + Chromium and Playwright
source "$(dirname "$0")/lib.sh"
MODE="${1:-run}"
CARGO_LEPTOS_VERSION=0.3.10
cd "$ROOT"

ensure_wasm_target() {
  rustup target list --installed | grep -qx wasm32-unknown-unknown && return 0
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
}

ensure_wasm_bindgen() {
  # wasm-bindgen-cli must equal the wasm-bindgen library version locked in Cargo.lock.
  local want have
  want="$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"/\1/p')"
  have="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)"
  [ "$have" = "$want" ] && return 0
  log "installing wasm-bindgen-cli $want (about 6 min)"
  # Not --locked: one of its locked dependencies is missing from the registry mirror.
  cargo install wasm-bindgen-cli --version "$want"
}

ensure_cargo_leptos() {
  cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION" && return 0
  log "installing cargo-leptos $CARGO_LEPTOS_VERSION (debug build, about 15 min on 2 cores)"
  # 0.3.11 needs rustc 1.96; --locked keeps 0.3.10's dependencies on our rustc; no_downloads stops
  # it fetching sass/tailwind/wasm-opt. A debug build: it only orchestrates, and a release build
  # with its fat LTO takes 40 min here.
  CARGO_PROFILE_DEV_DEBUG=0 cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" \
    --locked --features no_downloads --debug
}

ensure_mongo_server() {
  command -v java >/dev/null || die "Java 17+ is required for the embedded database (apt-get install openjdk-17-jre-headless)"
  command -v mvn >/dev/null || die "Maven is required to build the embedded database (apt-get install maven)"
  local newest
  newest="$(find tools/mongo-server/pom.xml tools/mongo-server/src -newer "$MONGO_JAR" 2>/dev/null | head -1 || true)"
  [ -f "$MONGO_JAR" ] && [ -z "$newest" ] && return 0
  log "building the embedded MongoDB-wire server (mongo-java-server, Maven)"
  (cd tools/mongo-server && mvn -q -B package)
}

ensure_chromium() {
  [ -x /usr/bin/chromium ] && return 0
  log "installing Debian's chromium"
  local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq && $sudo apt-get install -y -qq chromium
}

ensure_playwright() {
  # Only the test runner: the browser is Debian's (playwright.config.ts), never downloaded.
  if [ -d end2end/node_modules/@playwright/test ] && [ end2end/node_modules -nt end2end/package-lock.json ]; then
    return 0
  fi
  log "installing Playwright (npm ci)"
  (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
  touch end2end/node_modules
}

ensure_wasm_target
ensure_wasm_bindgen
ensure_cargo_leptos
ensure_mongo_server
if [ "$MODE" = test ]; then
  ensure_chromium
  ensure_playwright
fi
