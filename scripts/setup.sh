#!/usr/bin/env bash
# Installs what VISLink needs on a Debian/Ubuntu machine, idempotently:
#   Debian packages nats-server, redis-server, ffmpeg (and chromium for the browser tests when
#   VIS_SETUP_BROWSER=1, as scripts/test sets it),
#   pnpm at the version pinned in package.json, and the workspace's npm packages.
# Sourced by scripts/hub and scripts/test; safe to run on its own.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

# --- Node.js -------------------------------------------------------------------------------
command -v node >/dev/null || die "Node.js 20.6 or newer is required: install it (e.g. apt-get install nodejs) and retry"
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=6)?0:1)' \
  || die "Node.js $(node -v) is too old: VISLink needs 20.6 or newer"

# --- Debian packages -----------------------------------------------------------------------
export PATH="$PATH:/usr/sbin:/usr/local/sbin"
need=()
command -v nats-server >/dev/null || need+=(nats-server)
command -v redis-server >/dev/null || need+=(redis-server)
command -v ffmpeg >/dev/null || need+=(ffmpeg)
if [ "${VIS_SETUP_BROWSER:-0}" = 1 ] && ! command -v chromium >/dev/null; then need+=(chromium); fi
if [ ${#need[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null; then
    die "missing ${need[*]} and no apt-get here: install them with your package manager and retry"
  fi
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "missing ${need[*]}: run as root, or install them: apt-get install -y ${need[*]}"
    sudo="sudo"
  fi
  say "installing Debian packages: ${need[*]}"
  $sudo apt-get update -qq >&2 || die "apt-get update failed: check the package sources, then run: apt-get install -y ${need[*]}"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >&2 \
    || die "apt-get install ${need[*]} failed: see the output above"
  for pkg in "${need[@]}"; do
    command -v "$pkg" >/dev/null || die "$pkg was installed but '$pkg' is still not on PATH ($PATH)"
  done
fi

# --- pnpm ----------------------------------------------------------------------------------
want_pnpm=$(node -p 'require("./package.json").packageManager.split("@")[1]')
if [ "$(pnpm -v 2>/dev/null || true)" != "$want_pnpm" ]; then
  say "installing pnpm $want_pnpm"
  npm install -g --silent "pnpm@$want_pnpm" >&2 || die "npm install -g pnpm@$want_pnpm failed"
  hash -r
fi

# --- npm packages --------------------------------------------------------------------------
if [ ! -f node_modules/.modules.yaml ] || [ pnpm-lock.yaml -nt node_modules/.modules.yaml ] \
   || [ -n "${CI:-}" ]; then
  say "installing npm packages"
  pnpm install --frozen-lockfile >&2 || die "pnpm install failed: see the output above"
fi
