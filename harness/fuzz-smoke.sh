#!/usr/bin/env bash
# CI fuzzing smoke: each target under Jazzer's standalone driver for about 30 s (the corpus
# itself is replayed by `mvn verify`, Jazzer's regression mode). Fails if a target no longer
# starts or finds a new bug. Run from the repository root after `mvn -B -pl harness -am package`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
out="$(mktemp -d)"
# A campaign only reads the corpus unless given --merge-corpus; --max-corpus 0 says so twice.
./xv6ckpt campaign --targets all --per-target "${FUZZ_SMOKE_SECONDS:-30}s" --max-corpus 0 \
  --report-dir "$out"
