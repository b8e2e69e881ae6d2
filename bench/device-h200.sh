#!/usr/bin/env bash
# Issue 14's GPU check in one call: WGSL sgemm at 4096³ (the 64×64 tile and its subgroup variant), the
# host cost of a GPT step (bench/webgpu-host.ts), GPT training steps with nanoGPT's GPU-recipe shapes and
# GPT-2-small shapes (bench/webgpu-gpt.ts), and the PyTorch twin (bench/device-torch.py) in the same run.
# Writes $OUT/device-h200.txt (or ./device-h200.txt without $OUT). About 5 minutes on the H200.
#
# Prepare on the CPU machine (the GPU machine has no Node; ../shared/gpu/README.md tells how):
#   npm run build && npm run build:test && bash ../shared/gpu/pack-device.sh    # writes .device/
# Then one `run` of the device tool with carry [".device", "build"] and the command
#   bash bench/device-h200.sh
# Dry run here on SwiftShader with tiny sizes: bash bench/device-h200.sh --smoke
set -uo pipefail
smoke=0
[[ ${1:-} == --smoke ]] && smoke=1
report=${OUT:-.}/device-h200.txt
[[ -f .device/setup.sh ]] && source .device/setup.sh
: > "$report"
say() { echo "$@" | tee -a "$report"; }
# Each step is timed and bounded: one that fails or hangs is reported, and the rest still run.
step() {
  local limit=$1
  shift
  say "## $*"
  local t0=$SECONDS
  timeout "$limit" "$@" 2>&1 | grep -v '^{' | tee -a "$report"
  say "(exit ${PIPESTATUS[0]}, $((SECONDS - t0)) s)"
}

say "# device-h200.sh $(date -u +%FT%TZ) on $(hostname); smoke=$smoke"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total --format=csv,noheader | tee -a "$report"
if ((smoke)); then
  gpu=(--swiftshader)
  step 120 node build/bench/webgpu-sgemm.js "${gpu[@]}" --sizes=128 --reps=2 --matmul=tiled
  step 120 node build/bench/webgpu-sgemm.js "${gpu[@]}" --sizes=128 --reps=2 --matmul=subgroups
  step 120 node build/bench/webgpu-host.js "${gpu[@]}" --preset=tiny --steps=2 --warm=1
  step 300 node build/bench/webgpu-gpt.js "${gpu[@]}" --layers=1 --heads=2 --embd=32 --block=16 --batch=2 --steps=2 --warm=1
  step 300 python3 bench/device-torch.py --smoke
else
  gpu=()
  step 60 node build/bench/webgpu-sgemm.js --sizes=1024,4096 --matmul=tiled
  step 60 node build/bench/webgpu-sgemm.js --sizes=1024,4096 --matmul=subgroups
  step 120 node build/bench/webgpu-host.js --preset=gpu-recipe,gpt2-small --dropout=0 --steps=5 --warm=2
  step 90 node build/bench/webgpu-gpt.js --dropout=0 --steps=20 --warm=3
  step 90 node build/bench/webgpu-gpt.js --dropout=0 --steps=20 --warm=3 --matmul=subgroups
  # Dropout masks are drawn on the host (the generator lives there): this shows what that costs.
  step 90 node build/bench/webgpu-gpt.js --dropout=0.2 --steps=5 --warm=1
  step 120 node build/bench/webgpu-gpt.js --layers=12 --heads=12 --embd=768 --block=1024 --batch=8 --vocab=50304 --dropout=0 --steps=5 --warm=2
  step 180 python3 bench/device-torch.py
fi
say "# done in $SECONDS s"
