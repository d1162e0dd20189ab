# Shared helpers for the project scripts. Source it; do not run it.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT
WASM_TARGET=wasm32-unknown-unknown

# Ports used by the dev command (README documents them).
APP_ADDR=127.0.0.1:8080
EMULATOR_ADDR=127.0.0.1:8787
API_ADDR=127.0.0.1:8788

log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# Where cargo installs the tools (trunk, wasm-bindgen); make sure it is on PATH.
CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
case ":$PATH:" in *":$CARGO_HOME/bin:"*) ;; *) PATH="$CARGO_HOME/bin:$PATH" ;; esac
export PATH

# The wasm-bindgen version the lock file pins; the CLI must match it exactly.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

# "rustup" when the normal toolchain can target wasm32 (a developer laptop), else
# "debian": Debian's rustc-web building std from source (these machines, CI).
wasm_toolchain() {
  if command -v rustup >/dev/null 2>&1 &&
     rustup target list --installed 2>/dev/null | grep -qx "$WASM_TARGET"; then
    echo rustup
  else
    echo debian
  fi
}

# Features that Debian's wasm-opt 108 can parse (README, "Toolchain").
WASM_FEATURES="-Ctarget-cpu=mvp -Ctarget-feature=+bulk-memory,+nontrapping-fptoint,+sign-ext,+mutable-globals"
# Release-only size flags (README, "Performance"): no panic machinery, no
# panic locations, no Debug formatting. They need std rebuilt with them.
WASM_SIZE_FLAGS="-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -Zfmt-debug=none"

# Run a command with the environment for wasm32 builds. Only wasm builds get
# build-std and Debian's compiler; native crates keep the normal toolchain.
# With WASM_RELEASE=1, adds the size flags (scripts/build).
with_wasm_env() {
  (
    local flags="$WASM_FEATURES"
    export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
    # A separate target dir: a different compiler and std, and no lock contention
    # with native builds.
    export CARGO_TARGET_DIR="$ROOT/target/wasm"
    if [ "$(wasm_toolchain)" = debian ]; then
      export PATH="/usr/bin:$PATH"
      export RUSTC=/usr/bin/rustc
      export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=/usr/lib/llvm-22/bin/wasm-ld
    fi
    # Debian's compiler has no prebuilt wasm std, and release builds rebuild std
    # with the size flags either way (rustup: from its rust-src component).
    if [ "$(wasm_toolchain)" = debian ] || [ "${WASM_RELEASE:-0}" = 1 ]; then
      export RUSTC_BOOTSTRAP=1
      export CARGO_UNSTABLE_BUILD_STD=std,panic_abort
    fi
    if [ "${WASM_RELEASE:-0}" = 1 ]; then
      flags="$flags $WASM_SIZE_FLAGS"
      # std's own smaller code paths (README, "Size, decided by measurement").
      export CARGO_UNSTABLE_BUILD_STD_FEATURES=optimize_for_size
    fi
    export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="$flags"
    "$@"
  )
}

# A free TCP port on loopback (tiny race between release and reuse is acceptable
# for tests on one machine).
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_http URL SECONDS [PID]: poll until the URL answers, or fail; with PID,
# fail at once when that process has exited (it said why on stderr).
wait_http() {
  local url=$1 deadline=$((SECONDS + ${2:-30})) pid=${3:-}
  until curl -fsS -o /dev/null "$url" 2>/dev/null; do
    [ "$SECONDS" -lt "$deadline" ] || die "timed out waiting for $url"
    [ -z "$pid" ] || kill -0 "$pid" 2>/dev/null || die "the server for $url exited"
    sleep 0.1
  done
}
