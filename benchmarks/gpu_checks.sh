#!/usr/bin/env bash
# Every GPU check of the project in one command, for a machine with an NVIDIA GPU, CuPy and
# (optionally) PyTorch: the whole test suite (the GPU suite included), the warm-start probe, the
# kernel benchmarks against cuBLAS / cuDNN (writing benchmarks/results/<gpu>-<date>.{json,md}),
# CaffeNet iteration times (baseB against frozen prefixes) and the demo's wall time.
#
#   bash benchmarks/gpu_checks.sh [LOG_DIR]      # run from the repository root, project installed
#
# Every step runs even when an earlier one fails; the summary at the end lists each step's exit
# code, and the script exits non-zero if any step failed.
set -uo pipefail
logs=${1:-gpu-logs}
mkdir -p "$logs"
export PYTHONUNBUFFERED=1
summary=()

step() {
    local name=$1
    shift
    echo "== $name: $*"
    local started=$SECONDS
    "$@" 2>&1 | tee "$logs/$name.log"
    local code=${PIPESTATUS[0]}
    summary+=("$(printf '%-12s exit %-3s %4d s' "$name" "$code" $((SECONDS - started)))")
}

nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv | tee "$logs/gpu.txt"
step tests python -m pytest -q -p no:cacheprovider -rs
step warm-start python benchmarks/warm_start.py
step kernels python benchmarks/kernels.py
step iteration python benchmarks/iteration.py --preset caffenet --batch 256 --device cuda --outputs 1000 --frozen 0 4 7
demo_dir=$(mktemp -d)
step demo minitransfer demo --device cuda -o "$demo_dir"
cp "$demo_dir"/report/figure2.png "$logs/demo-figure2.png" 2>/dev/null

echo "== summary"
printf '%s\n' "${summary[@]}" | tee "$logs/summary.txt"
! grep -qv "exit 0 " "$logs/summary.txt"
