#!/usr/bin/env bash
# CI gate for the contracts, offline:
#   1. buf lint
#   2. proto/vendor/buf/validate/validate.proto still matches @bufbuild/protovalidate
#   3. regenerating into a temp dir gives exactly the committed libs/proto/src/gen
#   4. buf breaking (FILE rules) against the previous commit, when it has a proto/ workspace.
#      PROTO_BREAKING_AGAINST=<git ref> picks another baseline (default HEAD~1).
#   bash scripts/proto-check.sh        (or: pnpm proto:check)
set -euo pipefail
cd "$(dirname "$0")/.."

BUF=libs/proto/node_modules/.bin/buf
TSX=node_modules/.bin/tsx
[ -x "$BUF" ] || { echo "proto-check: $BUF missing; run pnpm install" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "proto-check: buf lint"
"$BUF" lint proto

echo "proto-check: vendored buf/validate/validate.proto"
"$TSX" scripts/proto-vendor.ts --out "$tmp/vendor" >/dev/null
if ! diff -u proto/vendor/buf/validate/validate.proto "$tmp/vendor/buf/validate/validate.proto" >"$tmp/vendor.diff"; then
  head -n 40 "$tmp/vendor.diff" >&2
  echo "proto-check: proto/vendor/buf/validate/validate.proto is stale; run: tsx scripts/proto-vendor.ts" >&2
  exit 1
fi

echo "proto-check: generated code is up to date"
"$BUF" generate proto --template proto/buf.gen.yaml -o "$tmp/out"
fresh="$tmp/out/libs/proto/src/gen"
if ! changed="$(diff -rq libs/proto/src/gen "$fresh")"; then
  echo "proto-check: libs/proto/src/gen differs from what proto/ generates:" >&2
  echo "$changed" | sed -e "s#$fresh#<regenerated>#g" -e 's/^/  /' >&2
  echo "proto-check: run pnpm proto:gen and commit the result" >&2
  exit 1
fi

against="${PROTO_BREAKING_AGAINST:-HEAD~1}"
if base="$(git rev-parse --verify --quiet "$against^{commit}")" && git cat-file -e "$base:proto/buf.yaml" 2>/dev/null; then
  echo "proto-check: buf breaking against $against ($base)"
  "$BUF" breaking proto --against ".git#ref=$base,subdir=proto"
else
  echo "proto-check: skipping buf breaking: $against has no proto/buf.yaml"
fi
echo "proto-check: ok"
