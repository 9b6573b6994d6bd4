#!/usr/bin/env bash
# The GPU checks of the tensor-core issue (10), the lean-iteration issue (11) and the demo issue (12)
# in one command, sized for a lent GPU: one command of at most 10 minutes, 15 minutes of device time
# in all with the machine's start. The step limits below add up to 565 s, in order of priority:
#
#   0. device   which minitransfer runs and whether CuPy can use the GPU: where it cannot, every
#               GPU test below merely skips and its step reads exit 0
#   1. compile  every kernel file compiled once, in parallel, into CuPy's cache (later steps load it)
#   2. ops      the GPU tests of the ops (xdist workers when pytest-xdist is there):
#               every kernel against float64 with poisoned outputs, every tensor-core variant against
#               its oracle, and every FUSED kernel against its unfused twin bit for bit
#               (tests/ops/test_fused_kernels.py)
#   3. rest     the remaining GPU tests: the loader's CUDA batches against its CPU batches, training
#               on the GPU against the CPU and bitwise on resume, and the lean step and its CUDA graph
#               against the plain step bit for bit, a base and a frozen transfer trained with and
#               without --cuda-graph, interrupted and resumed (tests/test_step.py, tests/test_train.py,
#               tests/data/test_loader.py)
#   4. race     one CaffeNet training iteration (batch 256, 1000 outputs) per precision, step mode
#               (plain, fused, graph) and network (baseB, A4B, A7B): launches per iteration, the
#               phases (forward, backward, solver), head to head with PyTorch in the same process;
#               torch.compile for baseB only; tables with the versions and a per-layer table
#   5. train    200 iterations of tf32x3 and tf32 against the seed-to-seed band of ieee runs
#   6. demo     `minitransfer demo --device cuda` (the demo issue's "about a minute on one GPU"): its
#               networks per second and the findings; the report lands in LOG_DIR/demo-report (the
#               runs stay in a scratch folder: a rerun within the same machine skips finished ones);
#               the GPU's utilization and the load average each second in LOG_DIR/demo-use.txt
#
#   bash benchmarks/gpu_checks.sh [LOG_DIR]      # from the repository root
#
# Without the project installed it runs from the checkout (PYTHONPATH). Every step runs under its
# own time limit (seconds: DEVICE_S, COMPILE_S, OPS_S, REST_S, RACE_S, TRAIN_S, DEMO_S; killed 5 s
# past it if it does not stop) even when an earlier one failed; logs and the result tables land in
# LOG_DIR (default gpu-logs; results in LOG_DIR/results: copy them to benchmarks/results/ to
# commit). The summary lists each step's exit code (124: its time limit; 137: killed); the script
# exits non-zero if any step failed.
set -uo pipefail
# The image's Python: python3 (the one with PyTorch and CuPy), else python; PYTHON overrides it.
python=${PYTHON:-$(command -v python3 || command -v python)}
logs=${1:-gpu-logs}
mkdir -p "$logs/results"
export PYTHONUNBUFFERED=1
"$python" -c "import minitransfer" 2>/dev/null || export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
summary=()

step() {
    local name=$1 limit=$2
    shift 2
    echo "== $name (limit ${limit} s): $*"
    local started=$SECONDS
    timeout -k 5 "$limit" "$@" 2>&1 | tee "$logs/$name.log"
    local code=${PIPESTATUS[0]}
    summary+=("$(printf '%-7s exit %-3s %4d s' "$name" "$code" $((SECONDS - started)))")
}

workers=()
"$python" -c "import xdist" 2>/dev/null && workers=(-n 8)

nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv | tee "$logs/gpu.txt"
"$python" -c "import cupy, sys; print('cupy', cupy.__version__, 'python', sys.version.split()[0])" | tee -a "$logs/gpu.txt"
step device "${DEVICE_S:-10}" "$python" -c "
import minitransfer
from minitransfer import cuda
print('minitransfer from', minitransfer.__file__)
try:
    cp = cuda.cupy()
except cuda.CudaUnavailable as error:
    raise SystemExit(f'device: {error}: every GPU test skips, every GPU benchmark fails')
print('cupy', cp.__version__, 'device', cp.cuda.Device().id, 'SMs', cuda.sm_count(), 'compute capability',
      cuda.compute_capability())"
step compile "${COMPILE_S:-50}" "$python" -c "
import concurrent.futures
from minitransfer import cuda
def build(stem):
    cuda.module(stem).compile()  # into CuPy's on-disk cache
    return stem
stems = sorted(path.stem for path in cuda.kernels_dir().glob('*.cu'))
# CUDA only in the workers: forked from a parent that had started CUDA, they could not use it
with concurrent.futures.ProcessPoolExecutor(len(stems)) as pool:
    try:
        print('compiled', ' '.join(pool.map(build, stems)))
    except cuda.CudaUnavailable as error:
        raise SystemExit(f'compile: {error}: nothing compiled')"
step ops "${OPS_S:-130}" "$python" -m pytest -q -p no:cacheprovider -rs -m gpu "${workers[@]}" tests/ops tests/test_cuda.py \
    tests/test_counter_rng.py
step rest "${REST_S:-70}" "$python" -m pytest -q -p no:cacheprovider -rs -m gpu --ignore=tests/ops \
    --ignore=tests/test_cuda.py --ignore=tests/test_counter_rng.py
step race "${RACE_S:-200}" "$python" benchmarks/iteration.py --preset caffenet --batch 256 --outputs 1000 \
    --frozen 0 4 7 --compile-frozen 0 --blocks 5 --per-block 10 --phase-repeat 10 --layer-repeat 10 \
    --results "$logs/results"
step train "${TRAIN_S:-30}" "$python" benchmarks/precision_training.py
demo_runs=${TMPDIR:-/tmp}/minitransfer-gpu-demo
# The GPU's utilization and the load average each second while the demo runs: whether its
# processes per GPU (demo.PROCESSES_PER_GPU, a guess) leave the GPU idle or wait for it.
while sleep 1; do
    echo "$(nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader), load $(cut -d' ' -f1 /proc/loadavg)"
done >"$logs/demo-use.txt" 2>&1 &
sampler=$!
step demo "${DEMO_S:-75}" "$python" -c "from minitransfer.cli import main; main(prog_name='minitransfer')" \
    demo --device cuda -o "$demo_runs"
kill "$sampler" 2>/dev/null
[ -d "$demo_runs/report" ] && cp -r "$demo_runs/report" "$logs/demo-report"

echo "== summary"
printf '%s\n' "${summary[@]}" | tee "$logs/summary.txt"
! grep -qv "exit 0 " "$logs/summary.txt"
