#!/usr/bin/env bash
# The peers `make bench` measures the cockpit against (bench/bench_peers.py), and the
# profiler used to find where the cockpit's cost goes:
#   glances, btop      Debian packages (apt-get update first)
#   dolphie, py-spy    PyPI, into their own venv .venv-peers/ (dolphie brings its own Textual;
#                      kept out of the project's .venv so it cannot change what is measured)
# Idempotent: a quick no-op when all are present. A peer that cannot be installed is
# reported here and skipped by the benchmark (with the reason); the script still exits 0
# so the other benchmarks run. dolphie is measured against the machine's MariaDB at
# 127.0.0.1:3306; this script does not install or start a database server.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="$root/.venv-peers"
PY="${PY:-python3}"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for bin in glances btop; do
  command -v "$bin" >/dev/null 2>&1 || missing+=("$bin")
done
if [ "${#missing[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  if $SUDO apt-get update -qq && \
     $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
    :
  else
    echo "bench peers: apt-get could not install ${missing[*]}: the benchmark skips them" >&2
  fi
fi

if [ ! -x "$venv/bin/dolphie" ] || [ ! -x "$venv/bin/py-spy" ]; then
  if [ ! -x "$venv/bin/python" ]; then
    "$PY" -m venv "$venv" || { echo "bench peers: no venv for dolphie/py-spy" >&2; exit 0; }
  fi
  "$venv/bin/pip" install -q --upgrade pip >/dev/null 2>&1 || true
  "$venv/bin/pip" install -q dolphie py-spy || \
    echo "bench peers: pip could not install dolphie/py-spy: the benchmark skips dolphie" >&2
fi
exit 0
