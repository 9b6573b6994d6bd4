#!/usr/bin/env bash
# The GPU checks of the tensor-core issue (10) in one command, sized for a lent GPU (one command of
# at most 10 minutes, 15 minutes of device time in all, the machine's start included):
#
#   1. ops     the GPU tests of the ops and the loader: every kernel against float64 with poisoned
#              outputs, every tensor-core variant against its oracle (tf32 within 1e-6 of the
#              TF32-rounded product, tf32x3 within 1e-5 and at most twice ieee's error)
#   2. race    one CaffeNet training iteration (batch 256, 1000 outputs) per precision and network
#              (baseB, A4B, A7B), head to head with PyTorch in the same process; torch.compile for
#              baseB only (compiling costs minutes); tables with the versions and a per-layer table
#   3. train   200 iterations of tf32x3 and tf32 against the seed-to-seed band of ieee runs
#   4. rest    the remaining GPU tests (training on the GPU against the CPU, ...)
#
#   bash benchmarks/gpu_checks.sh [LOG_DIR]      # from the repository root, project installed
#
# Every step runs under its own time limit (seconds: OPS_S, RACE_S, TRAIN_S, REST_S) even when an
# earlier one failed; logs and the result tables land in LOG_DIR (default gpu-logs; results in
# LOG_DIR/results: copy them to benchmarks/results/ to commit). The summary lists each step's exit
# code (124: its time limit); the script exits non-zero if any step failed.
set -uo pipefail
logs=${1:-gpu-logs}
mkdir -p "$logs/results"
export PYTHONUNBUFFERED=1
summary=()

step() {
    local name=$1 limit=$2
    shift 2
    echo "== $name (limit ${limit} s): $*"
    local started=$SECONDS
    timeout "$limit" "$@" 2>&1 | tee "$logs/$name.log"
    local code=${PIPESTATUS[0]}
    summary+=("$(printf '%-6s exit %-3s %4d s' "$name" "$code" $((SECONDS - started)))")
}

nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv | tee "$logs/gpu.txt"
python -c "import cupy, sys; print('cupy', cupy.__version__, 'python', sys.version.split()[0])" | tee -a "$logs/gpu.txt"
step ops "${OPS_S:-240}" python -m pytest -q -p no:cacheprovider -rs -m gpu tests/ops tests/test_cuda.py tests/test_counter_rng.py
step race "${RACE_S:-200}" python benchmarks/iteration.py --preset caffenet --batch 256 --outputs 1000 \
    --frozen 0 4 7 --compile-frozen 0 --blocks 5 --per-block 10 --results "$logs/results"
step train "${TRAIN_S:-60}" python benchmarks/precision_training.py
step rest "${REST_S:-60}" python -m pytest -q -p no:cacheprovider -rs -m gpu --ignore=tests/ops \
    --ignore=tests/test_cuda.py --ignore=tests/test_counter_rng.py

echo "== summary"
printf '%s\n' "${summary[@]}" | tee "$logs/summary.txt"
! grep -qv "exit 0 " "$logs/summary.txt"
