#!/usr/bin/env bash
# Thread scaling: the GPT, char-LSTM and MLP steps at 1, 2, 4, 8 and 16 threads, gradstack beside
# every PyTorch found (python3 on PATH, /usr/bin/python3), one `bench/run.js` run per thread count,
# then one table per workload with a row per thread count.
#
#   npm run bench:threads            # or bench/threads.sh after `npm run build:test`
#                                    # (needs node, build/, native/build; python3 for PyTorch)
#   THREADS="1 2 4" REPS=5 ONLY=gpt STEPS=10 OUT_DIR=/tmp/scaling bench/threads.sh
#
# Each run's JSON stays in OUT_DIR; `node build/bench/table.js OUT_DIR/threads-*.json` prints the
# tables again.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -f build/bench/run.js ]] || { echo "build/bench/run.js is missing: run npm run build:test first" >&2; exit 1; }
out=${OUT_DIR:-${TMPDIR:-/tmp}/gradstack-threads-$(date -u +%Y%m%d-%H%M%S)}
mkdir -p "$out"
files=()
for t in ${THREADS:-1 2 4 8 16}; do
  node build/bench/run.js --threads="$t" --reps="${REPS:-3}" --only="${ONLY:-gpt,lstm,mlp}" ${STEPS:+--steps="$STEPS"} \
    --json "$out/threads-$t.json" >/dev/null
  files+=("$out/threads-$t.json")
done
echo "results: $out" >&2
node build/bench/table.js "${files[@]}"
