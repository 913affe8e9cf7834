#!/usr/bin/env bash
# Regenerate the ASR smoke clip: probes/smoke-en.wav from probes/smoke-en.txt.
# espeak-ng (US English voice) speaks the expected text; sox resamples it to the
# format every protocol adapter streams: 16 kHz, mono, signed 16-bit PCM, with a
# short silence before and after so recognizers see a clean start and end.
# Needs: espeak-ng, sox (Debian: apt-get install espeak-ng sox). The clip is
# committed, so the tests never need these tools.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
text_file="$here/smoke-en.txt"
out="$here/smoke-en.wav"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

espeak-ng -v en-us -s 150 -w "$tmp/raw.wav" -f "$text_file"
sox -D "$tmp/raw.wav" -r 16000 -c 1 -b 16 -e signed-integer "$out" pad 0.3 0.5
soxi "$out"
