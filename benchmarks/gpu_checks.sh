#!/usr/bin/env bash
# The GPU checks of the tensor-core issue (10), the lean-iteration issue (11) and the demo issue (12)
# in one command, sized for a lent GPU (/work/.library/device/README.md): one command of at most 600 s,
# 15 minutes of device time in all with the machine's start, and only files under $OUT come back
# (at most 8). A session runs it through the device tool's `run` as
#
#   command "bash benchmarks/gpu_checks.sh", timeout_s 600          # nothing else in the command
#
# and gets back two files: $OUT/summary.txt (each step's exit code, also the last lines of the
# output) and $OUT/gpu-logs.tgz (every log, result table and the demo's report, in gpu-logs/). Here:
#
#   mkdir -p /tmp/gpu && tar -xzf FILES_AT/gpu-logs.tgz -C /tmp/gpu      # FILES_AT: the reply's files_at
#   cp /tmp/gpu/gpu-logs/results/* benchmarks/results/                   # then commit them
#
# The steps, in order of priority, each under its own limit (seconds; the env var overrides it):
#
#   0. device   (DEVICE_S 10) which minitransfer runs and whether CuPy can use the GPU: where it cannot,
#               every GPU test below merely skips and its step reads exit 0
#   1. compile  (COMPILE_S 50) every kernel file compiled once, in parallel, into CuPy's cache
#   2. ops      (OPS_S 130) the GPU tests of the ops (xdist workers when pytest-xdist is there):
#               every kernel against float64 with poisoned outputs, every tensor-core variant against
#               its oracle, and every FUSED kernel against its unfused twin bit for bit
#               (tests/ops/test_fused_kernels.py)
#   3. rest     (REST_S 70) the remaining GPU tests: the loader's CUDA batches against its CPU batches,
#               training on the GPU against the CPU and bitwise on resume, and the lean step and its
#               CUDA graph against the plain step bit for bit, a base and a frozen transfer trained with
#               and without --cuda-graph, interrupted and resumed (tests/test_step.py, tests/test_train.py,
#               tests/data/test_loader.py: every file outside step 2's holding a gpu-marked test, named so
#               that pytest does not collect the whole suite)
#   4. race     (RACE_S 200) one CaffeNet training iteration (batch 256, 1000 outputs) per precision,
#               step mode (plain, fused, graph) and network (baseB, A4B, A7B): launches per iteration,
#               the phases (forward, backward, solver), head to head with PyTorch in the same process;
#               torch.compile for baseB only; tables with the versions and a per-layer table
#   5. train    (TRAIN_S 30) 200 iterations of tf32x3 and tf32 against the seed-to-seed band of ieee runs
#   6. demo     (DEMO_S 75) `minitransfer demo --device cuda` (the demo issue's "about a minute on one
#               GPU"): its networks per second and the findings; the report lands in LOG_DIR/demo-report
#               (the runs stay in a scratch folder: a rerun within the same machine skips finished ones);
#               the GPU's utilization and the load average each second in LOG_DIR/demo-use.txt
#
# The budget: the whole script ends within TOTAL_S (default 560) plus at most ~25 s of packing, inside
# the tool's 600 s. A step's limit is the smaller of its own and what is left of TOTAL_S less the 5 s
# a step may run past its limit (it is killed then) and PACK_S (default 15, kept for the end); a step
# left fewer than 5 s (and less than its own limit) is skipped, and the summary says so and why. A
# watchdog stops the script at TOTAL_S whatever hangs: the trap kills the running command, lists the
# steps not run, and still writes the summary and the archive. Every step runs even when an earlier
# one failed. The summary lists each step's exit code (124: its time limit; 137: killed) and its limit
# where the budget cut it; the script exits non-zero if any step failed or was skipped.
#
#   bash benchmarks/gpu_checks.sh [LOG_DIR]      # from the repository root
#
# Without $OUT the logs and result tables stay in LOG_DIR (default gpu-logs; results in
# LOG_DIR/results: copy them to benchmarks/results/ to commit) and nothing is packed. With $OUT they
# are written to LOG_DIR (default: a scratch folder; one inside $OUT is replaced by a scratch folder,
# since at most 8 files come back) and packed at the end as above. Without the project installed it
# runs from the checkout (PYTHONPATH).
set -uo pipefail
# The image's Python: python3 (the one with PyTorch and CuPy), else python; PYTHON overrides it. A PYTHON
# that cannot run there (the README's .venv/bin/python: a virtual environment does not travel to a lent GPU)
# gives way to the image's, said first in the summary: before, every step failed with exit 127. The image's
# is looked up on one line, $python's, which every command uses (one that cannot run is kept where it has none).
unusable=
if [ -n "${PYTHON:-}" ] && ! command -v -- "$PYTHON" >/dev/null; then
    unusable=$PYTHON
    unset PYTHON
fi
python=${PYTHON:-$(command -v python3 || command -v python)}
python_note=
if [ -n "$unusable" ]; then
    if [ -n "$python" ]; then
        python_note="python  PYTHON=$unusable cannot run here: ran $python instead"
    else
        python=$unusable
    fi
fi
total=${TOTAL_S:-560} pack_reserve=${PACK_S:-15} grace=5 min_step=5
steps=(device compile ops rest race train demo)
logs=${1:-gpu-logs}
out=${OUT:-}
if [ -n "$out" ]; then
    mkdir -p "$out"
    case "$(realpath -m "$logs")/" in
        "$(realpath -m "$out")"/*) logs=$(mktemp -d "${TMPDIR:-/tmp}/gpu-checks.XXXXXX")/gpu-logs ;;
    esac
    [ $# -eq 0 ] && logs=$(mktemp -d "${TMPDIR:-/tmp}/gpu-checks.XXXXXX")/gpu-logs
fi
mkdir -p "$logs/results"
export PYTHONUNBUFFERED=1
summary=(${python_note:+"$python_note"}) ran=() current=gpu.txt running= pidfile=$logs/.running-pid sampler= finished=

# Runs "$@" under `timeout -k 5 LIMIT`, its output also into LOG: in the background, so that the
# watchdog's signal interrupts the wait at once (bash defers a trap until a foreground command ends).
bounded() {
    local limit=$1 log=$2
    shift 2
    rm -f "$pidfile"
    ( (timeout -k "$grace" "$limit" "$@" 2>&1 & echo $! >"$pidfile"; wait $!) | tee -a "$log"
      exit "${PIPESTATUS[0]}" ) &
    running=$!
    wait "$running"
    local code=$?
    running=
    return "$code"
}

step() {
    local name=$1 own=$2
    shift 2
    local left=$((total - SECONDS - grace - pack_reserve)) limit=$own note=
    ran+=("$name")
    if [ "$left" -lt "$own" ]; then
        limit=$left note=" (limit $left of $own s: TOTAL_S)"
    fi
    if [ "$limit" -lt "$own" ] && [ "$limit" -lt "$min_step" ]; then
        summary+=("$(printf '%-7s skipped: %s' "$name" "$((left < 0 ? 0 : left)) s left of TOTAL_S=$total s after \
$SECONDS s ($grace s kept to stop a step, $pack_reserve s to pack): fewer than $min_step s")")
        echo "== $name skipped: no time left (TOTAL_S=$total)"
        return
    fi
    echo "== $name (limit ${limit} s): $*"
    current=$name
    local started=$SECONDS
    bounded "$limit" "$logs/$name.log" "$@"
    local code=$?
    summary+=("$(printf '%-7s exit %-3s %4d s%s' "$name" "$code" $((SECONDS - started)) "$note")")
}

# The summary, the archive for $OUT, and the stop of what still runs. REASON: why the script stops
# early (the watchdog's deadline, a signal); the running command is then stopped and the steps not
# begun are listed.
finish() {
    local reason=${1:-}
    [ -n "$finished" ] && return
    finished=1
    trap : USR1 TERM INT HUP  # a late signal must not cut the packing short (':' is not inherited)
    kill "$watchdog" 2>/dev/null
    [ -n "$sampler" ] && kill "$sampler" 2>/dev/null
    if [ -n "$reason" ]; then
        echo "== stopped: $reason"
        if [ -n "$running" ]; then
            kill -TERM "$(cat "$pidfile")" 2>/dev/null
            # bounded: a process outside the step's group (setsid, or stuck in the driver) can hold its pipe
            # to tee open past any signal, and an unbounded wait left no summary and no archive
            local waited=0
            while kill -0 "$running" 2>/dev/null && [ "$waited" -lt $((grace + 2)) ]; do
                sleep 1
                waited=$((waited + 1))
            done
            pkill -KILL -P "$running" 2>/dev/null  # its tee too, which holds this script's output open
            kill -KILL "$running" 2>/dev/null
            wait "$running" 2>/dev/null
            summary+=("$(printf '%-7s stopped: %s, %d s after the start' "$current" "$reason" "$SECONDS")")
        fi
        local name
        for name in "${steps[@]}"; do
            [[ " ${ran[*]} " == *" $name "* ]] || summary+=("$(printf '%-7s skipped: %s' "$name" "$reason")")
        done
    fi
    rm -f "$pidfile"
    echo "== summary"
    printf '%s\n' "${summary[@]}" | tee "$logs/summary.txt"
    [ -z "$out" ] && return
    cp "$logs/summary.txt" "$out/summary.txt"
    if timeout 20 tar -czf "$out/gpu-logs.tgz" -C "$(dirname "$logs")" "$(basename "$logs")"; then
        local size
        size=$(stat -c %s "$out/gpu-logs.tgz")
        echo "archive gpu-logs.tgz $size bytes$([ "$size" -gt 16777216 ] && echo ': over the 16 MiB that come back')" \
            | tee -a "$out/summary.txt"
    else
        echo "archive gpu-logs.tgz: tar failed or took over 20 s" | tee -a "$out/summary.txt"
    fi
}

# The watchdog: USR1 to this script at TOTAL_S; the traps stop what runs, then write and pack.
( trap 'kill $sleeper 2>/dev/null; exit' TERM
  sleep "$total" & sleeper=$!
  wait "$sleeper" && kill -USR1 $$ ) </dev/null >/dev/null 2>&1 &
watchdog=$!
trap 'finish "the overall deadline, TOTAL_S=$total s"; exit 1' USR1
trap 'finish "a signal (TERM, INT or HUP)"; exit 1' TERM INT HUP

"$python" -c "import minitransfer" 2>/dev/null || export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
workers=()
"$python" -c "import xdist" 2>/dev/null && workers=(-n 8)

bounded 15 "$logs/gpu.txt" nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu \
    --format=csv
bounded 30 "$logs/gpu.txt" "$python" -c "import cupy, sys; print('cupy', cupy.__version__, 'python',
      sys.version.split()[0])"
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
step ops "${OPS_S:-130}" "$python" -m pytest -q -p no:cacheprovider -rs -m gpu "${workers[@]}" tests/ops \
    tests/test_cuda.py tests/test_counter_rng.py
step rest "${REST_S:-70}" "$python" -m pytest -q -p no:cacheprovider -rs -m gpu tests/test_step.py tests/test_train.py \
    tests/data/test_loader.py
step race "${RACE_S:-200}" "$python" benchmarks/iteration.py --preset caffenet --batch 256 --outputs 1000 \
    --frozen 0 4 7 --compile-frozen 0 --blocks 5 --per-block 10 --phase-repeat 10 --layer-repeat 10 \
    --results "$logs/results"
step train "${TRAIN_S:-30}" "$python" benchmarks/precision_training.py
demo_runs=${TMPDIR:-/tmp}/minitransfer-gpu-demo
# The GPU's utilization and the load average each second while the demo runs: whether its
# processes per GPU (demo.PROCESSES_PER_GPU, a guess) leave the GPU idle or wait for it.
while sleep 1; do
    use=$(nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader)
    echo "$use, load $(cut -d' ' -f1 /proc/loadavg)"
done >"$logs/demo-use.txt" 2>&1 &
sampler=$!
step demo "${DEMO_S:-75}" "$python" -c "from minitransfer.cli import main; main(prog_name='minitransfer')" \
    demo --device cuda -o "$demo_runs"
kill "$sampler" 2>/dev/null
sampler=
[ -d "$demo_runs/report" ] && cp -r "$demo_runs/report" "$logs/demo-report"

finish
! grep -v "^python " "$logs/summary.txt" | grep -qv "exit 0 "
