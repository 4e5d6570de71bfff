#!/usr/bin/env bash
# Lints proto/ and regenerates libs/proto/src/gen (offline: local buf and protoc-gen-es binaries).
#   bash scripts/proto-gen.sh          (or: pnpm proto:gen)
set -euo pipefail
cd "$(dirname "$0")/.."

BUF=libs/proto/node_modules/.bin/buf
[ -x "$BUF" ] || { echo "proto-gen: $BUF missing; run pnpm install" >&2; exit 1; }

"$BUF" lint proto
"$BUF" generate proto --template proto/buf.gen.yaml
echo "proto-gen: generated libs/proto/src/gen"
