#!/usr/bin/env bash
# Installs whatever is missing for `make run` (and, with `test`, for `make test`). Idempotent:
# a second run only checks versions. Nothing is downloaded at build or run time afterwards.
#   tools/setup.sh          # run prerequisites
#   tools/setup.sh test     # + Chromium and Playwright
# Expects rustup (with cargo) on a Debian machine; everything else comes from apt, crates.io,
# Maven Central and npm.
source "$(dirname "$0")/lib.sh"
MODE="${1:-run}"
CARGO_LEPTOS_VERSION=0.3.10
STAMPS="$ROOT/.tools/stamps"
cd "$ROOT"

# apt_install <command> <package>: installs the Debian package when the command is missing.
apt_install() {
  command -v "$1" >/dev/null && return 0
  log "installing $2 (apt)"
  local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo -n"
  $sudo apt-get update -qq && $sudo apt-get install -y -qq "$2" >/dev/null \
    || die "could not install $2; install it and run again"
}

ensure_system_tools() {
  apt_install java openjdk-17-jre-headless
  apt_install mvn maven
  apt_install node nodejs
  apt_install npm npm
  apt_install python3 python3
  apt_install curl curl
  command -v rustup >/dev/null || die "rustup is required: https://rustup.rs"
}

ensure_rust_parts() {
  local installed; installed="$(rustup component list --installed)"
  grep -q '^rustfmt' <<<"$installed" || rustup component add rustfmt
  grep -q '^clippy' <<<"$installed" || rustup component add clippy
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
  cargo leptos --version 2>/dev/null | grep -qx "cargo-leptos $CARGO_LEPTOS_VERSION" && return 0
  log "installing cargo-leptos $CARGO_LEPTOS_VERSION (debug build, about 12 min on 2 cores)"
  # 0.3.11 needs rustc 1.96; --locked keeps 0.3.10's dependencies on our rustc; no_downloads stops
  # it fetching sass/tailwind/wasm-opt. A debug build: it only orchestrates, and a release build
  # with its fat LTO takes 40 min here.
  CARGO_PROFILE_DEV_DEBUG=0 cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" \
    --locked --features no_downloads --debug
}

ensure_mongo_server() {
  local newest
  newest="$(find tools/mongo-server/pom.xml tools/mongo-server/src -newer "$MONGO_JAR" 2>/dev/null | head -1 || true)"
  [ -f "$MONGO_JAR" ] && [ -z "$newest" ] && return 0
  log "building the embedded MongoDB-wire server (mongo-java-server, Maven)"
  (cd tools/mongo-server && mvn -q -B package)
}

ensure_smtp_sink() {
  # The tests' SMTP server (aiosmtpd, from PyPI) in its own virtual environment under .tools/.
  local venv="$ROOT/.tools/smtp-venv" stamp="$STAMPS/smtp-sink"
  if [ -x "$venv/bin/python" ] && [ "$stamp" -nt tools/smtp-sink/requirements.txt ]; then
    return 0
  fi
  log "installing the test SMTP server (aiosmtpd, pip)"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r tools/smtp-sink/requirements.txt
  mkdir -p "$STAMPS" && touch "$stamp"
}

ensure_chromium() {
  [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] && return 0
  apt_install chromium chromium
}

ensure_playwright() {
  # Only the test runner: the browser is Debian's (playwright.config.ts), never downloaded.
  local stamp="$STAMPS/end2end-npm"
  if [ -d end2end/node_modules/@playwright/test ] && [ "$stamp" -nt end2end/package-lock.json ]; then
    return 0
  fi
  log "installing Playwright (npm ci)"
  (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
  mkdir -p "$STAMPS" && touch "$stamp"
}

ensure_browser_sdk() {
  # enrich serves Segment's analytics.js itself (Settings → Sources → Install): the npm package
  # pinned in tools/browser-sdk's lock file, its standalone build and chunks copied into
  # public/analytics-next/bundles/ (git-ignored) with the licence, and from there into the site.
  local dest="public/analytics-next/bundles" stamp="$STAMPS/browser-sdk"
  if [ -f "$dest/standalone.js" ] && [ "$stamp" -nt tools/browser-sdk/package-lock.json ]; then
    return 0
  fi
  log "installing the browser SDK (npm ci in tools/browser-sdk)"
  (cd tools/browser-sdk && npm ci --no-audit --no-fund >/dev/null)
  local umd="tools/browser-sdk/node_modules/@segment/analytics-next/dist/umd"
  rm -rf "$dest" && mkdir -p "$dest"
  cp "$umd"/*.js "$dest"/
  cp tools/browser-sdk/node_modules/@segment/analytics-next/LICENSE.MD "$dest/LICENSE.md"
  mkdir -p "$STAMPS" && touch "$stamp"
}

ensure_system_tools
ensure_browser_sdk
ensure_rust_parts
ensure_wasm_bindgen
ensure_cargo_leptos
ensure_mongo_server
if [ "$MODE" = test ]; then
  ensure_smtp_sink
  ensure_chromium
  ensure_playwright
fi
