"""The benchmark scripts from the outside, on the CPU: iteration.py prints its timings, and without a
GPU a CUDA run ends with one clear message and exit code 1, not a traceback; precision_training.py
trains every mode and gives its verdict. iteration.py's CUDA race (step modes, launches per
iteration, phases) runs on the CPU emulation of tests/cuda_emulator.py."""

import json
import os
import pathlib
import re
import subprocess
import signal
import sys
import tarfile

import pytest

from cuda_emulator import AVAILABLE, REASON, cache_dir, install
from minitransfer import cuda, models
from minitransfer.step import launch_plan

SCRIPT = pathlib.Path(__file__).resolve().parents[1] / "benchmarks" / "iteration.py"


def run(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=600)


def test_cpu_run_times_every_precision_and_network():
    done = run("--device", "cpu", "--preset", "mini", "--batch", "4", "--outputs", "10", "--frozen", "0", "7",
               "--precision", "ieee", "tf32", "--blocks", "1", "--per-block", "1", "--warmup", "1")
    assert done.returncode == 0, done.stderr
    for network in ("baseB", "A7B"):
        for mode in ("ieee", "tf32"):
            assert any(line.split()[:3] == [network, "ours", mode] and line.endswith(" ms")
                       for line in done.stdout.splitlines()), done.stdout


@pytest.mark.skipif(cuda.cuda_available(), reason="a CUDA device is usable here")
def test_cuda_run_without_a_gpu_ends_with_one_clear_message():
    done = run("--device", "cuda")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("iteration: ") and "--device cpu" in done.stderr


def test_precision_training_runs_every_mode_and_gives_a_verdict():
    """Two iterations a run: the second's forward after the first's update (three repeated the second's path)."""
    script = SCRIPT.parent / "precision_training.py"
    done = subprocess.run([sys.executable, str(script), "--device", "cpu", "--iterations", "2", "--seeds", "2",
                           "--window", "1", "--batch", "8"], capture_output=True, text=True, timeout=600)
    assert done.returncode in (0, 1), done.stderr
    for mode in ("ieee", "tf32x3", "tf32"):
        assert f"  {mode:<7} seed 1: first " in done.stdout, done.stdout
    assert done.stdout.splitlines()[-1].startswith("precision_training: ")


@pytest.mark.skipif(cuda.cuda_available(), reason="a CUDA device is usable here")
@pytest.mark.parametrize("script", ["kernels.py", "conv.py", "gemm.py", "warm_start.py", "iteration.py"])
def test_without_a_gpu_every_gpu_benchmark_ends_with_one_clear_line(script):
    result = subprocess.run([sys.executable, str(SCRIPT.parent / script)], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and "CuPy" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.skipif(not AVAILABLE, reason=REASON)
def test_cuda_race_counts_the_launches_of_every_step_mode(monkeypatch, tmp_path_factory):
    """On the emulated device: each mode's launches per iteration and phases; the lean modes launch
    what the launch plan says, fewer than the plain step."""
    sys.path.insert(0, str(SCRIPT.parent))
    import iteration

    install(monkeypatch, cache_dir(tmp_path_factory))
    args = iteration.parse(["--preset", "mini", "--batch", "4", "--outputs", "10", "--device", "cuda", "--precision",
                            "ieee", "--modes", "plain", "fused", "graph", "--torch-variants", "--blocks", "1",
                            "--per-block", "1", "--warmup", "1", "--phase-repeat", "1"])
    net = models.mini(10)
    x, labels = iteration.make_batch(net, 4, 10, "cuda")
    rows = {row["who"]: row for row in iteration.race(args, "cuda", None, 2, x, labels)}
    net.freeze(2)
    planned = len(launch_plan(net, 4, cuda.sm_count()))
    assert rows["ours ieee fused"]["launches"] == rows["ours ieee graph"]["launches"] == planned
    assert rows["ours ieee plain"]["launches"] > planned
    assert set(rows["ours ieee plain"]["phases_ms"]) == {"forward", "backward", "solver"}
    assert "phases_ms" not in rows["ours ieee graph"] and all(row["network"] == "A2B" for row in rows.values())


@pytest.mark.skipif(not AVAILABLE, reason=REASON)
def test_cuda_run_writes_its_tables_under_results_after_each_network(monkeypatch, tmp_path_factory, tmp_path):
    """On the emulated device, the whole CUDA run of gpu_checks.sh's race step in small: every network's
    rows in --results as soon as it is timed (a run stopped at its time limit keeps them), then the
    per-layer table. Before, the tables were written once at the end, and the CUDA-only code after the
    race (the layer table, the files) ran nowhere before a GPU did."""
    sys.path.insert(0, str(SCRIPT.parent))
    import common
    import iteration

    install(monkeypatch, cache_dir(tmp_path_factory))
    monkeypatch.setattr(common, "device_info", lambda: {"gpu": "Emulated GPU", "date": "2000-01-02"})
    tables = tmp_path / "results" / "emulated-gpu-2000-01-02-iteration.json"
    seen, timed_layers = [], iteration.layer_rows

    def layer_rows(*args):
        seen.append(json.loads(tables.read_text()))
        return timed_layers(*args)

    monkeypatch.setattr(iteration, "layer_rows", layer_rows)
    assert iteration.main(["--preset", "mini", "--batch", "2", "--outputs", "10", "--device", "cuda", "--precision",
                           "ieee", "--modes", "plain", "graph", "--frozen", "0", "5", "--torch-variants", "--blocks",
                           "1", "--per-block", "1", "--warmup", "1", "--phase-repeat", "1", "--layer-repeat", "1",
                           "--results", str(tmp_path / "results")]) == 0
    timed = [(row["network"], row["who"]) for row in seen[0]["timed"]]
    assert timed == [(network, f"ours ieee {mode}") for network in ("baseB", "A5B") for mode in ("plain", "graph")]
    layers = [(row["precision"], row["layer"]) for row in json.loads(tables.read_text())["layers"]]
    assert seen[0]["layers"] == [] and layers == [("ieee", name) for name in models.mini(10).weight_layer_names]
    assert "| A5B | ours ieee graph |" in tables.with_suffix(".md").read_text()


@pytest.mark.skipif(not AVAILABLE, reason=REASON)
def test_precision_training_on_the_emulated_device(monkeypatch, tmp_path_factory, capsys):
    """gpu_checks.sh's train step (precision_training.py on CUDA), one iteration per run: each mode's forward,
    backward and update on the emulated kernels, the bands and the verdict (a second iteration ran the same
    launches again, the test's slowest half; batch 2 launches the kernels batch 4 did, at 3/4 of tf32x3's time)."""
    sys.path.insert(0, str(SCRIPT.parent))
    import precision_training

    install(monkeypatch, cache_dir(tmp_path_factory))
    code = precision_training.main(["--device", "cuda", "--iterations", "1", "--seeds", "2", "--window", "1",
                                    "--batch", "2"])
    lines = capsys.readouterr().out.splitlines()
    assert code in (0, 1) and lines[-1].startswith("precision_training: "), lines
    assert sum(line.startswith("  tf32 ") for line in lines) == 2, lines


def test_loader_benchmark_runs_small():
    """benchmarks/loader.py on a tiny dataset: the integrity check's cost, and a throughput per worker count
    (it called the integrity check with an argument list of an older version, and failed before timing)."""
    script = SCRIPT.parent / "loader.py"
    done = subprocess.run([sys.executable, str(script), "--images", "16", "--size", "16", "--crop", "8",
                           "--batch-size", "4", "--batches", "2", "--workers", "0"], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    assert "integrity check, at most once per run: sha256 of" in done.stdout
    assert any(line.split()[:1] == ["0"] for line in done.stdout.splitlines()), done.stdout


GPU_CHECKS = SCRIPT.parent / "gpu_checks.sh"
STEPS = ("device", "compile", "ops", "rest", "race", "train", "demo")


def run_gpu_checks(tmp_path, python, out=None, path=None, wait=120, **limits):
    """benchmarks/gpu_checks.sh run from the checkout with ``python``, each step under ``limits``
    (e.g. OPS_S=1, TOTAL_S=12), with ``OUT=out`` when given and ``path`` (a folder) first on PATH:
    (the finished process, the summary's lines, the logs folder); ``wait``: the seconds it may take."""
    logs = tmp_path / "gpu-logs"
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env.update(PYTHON=str(python), TMPDIR=str(tmp_path), **{name: str(seconds) for name, seconds in limits.items()})
    env.pop("OUT", None)
    if out is not None:
        env["OUT"] = str(out)
    if path is not None:
        env["PATH"] = f"{path}{os.pathsep}{env['PATH']}"
    done = subprocess.run(["bash", str(GPU_CHECKS), str(logs)], cwd=SCRIPT.parents[1], env=env, capture_output=True,
                          text=True, timeout=wait)
    return done, (logs / "summary.txt").read_text().splitlines(), logs


def stub(folder, name, body):
    """An executable ``folder/name``: a bash script of ``body`` (a stand-in for python or nvidia-smi)."""
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(f"#!/bin/bash\n{body}\n")
    path.chmod(0o755)
    return path


def what_comes_back(out):
    """The files under ``out`` the device tool brings back (at most 8, at most 2 folders down, plain names),
    asserted so: {relative path: bytes}."""
    files = {path.relative_to(out).as_posix(): path.read_bytes() for path in out.rglob("*") if path.is_file()}
    assert len(files) <= 8, sorted(files)
    assert all(name.count("/") <= 2 and re.fullmatch(r"[A-Za-z0-9._/-]+", name) for name in files), sorted(files)
    return files


def archived(out):
    """``out``'s gpu-logs.tgz: {member name: text} of its files."""
    with tarfile.open(out / "gpu-logs.tgz") as archive:
        return {member.name: archive.extractfile(member).read().decode() for member in archive if member.isfile()}


@pytest.mark.skipif(cuda.cuda_available(), reason="a CUDA device is usable here")
def test_gpu_checks_without_a_usable_gpu_says_so_in_its_summary(tmp_path):
    """Where CuPy cannot use a GPU every GPU test skips and the test steps read exit 0: the device
    step fails with the reason (it did not exist: the summary looked as if the GPU tests had
    passed). Its log names the minitransfer that ran: the checkout's."""
    done, summary, logs = run_gpu_checks(tmp_path, sys.executable, OPS_S=1, REST_S=1, RACE_S=5, TRAIN_S=5, DEMO_S=5)
    assert done.returncode != 0, done.stdout
    assert [line.split()[0] for line in summary] == list(STEPS), summary
    assert summary[0].split()[1:3] == ["exit", "1"], summary
    device = (logs / "device.log").read_text()
    assert f"minitransfer from {SCRIPT.parents[1] / 'minitransfer' / '__init__.py'}\n" in device, device
    assert "Traceback" not in device and "every GPU test skips" in device.splitlines()[-1], device
    compile_log = (logs / "compile.log").read_text()
    assert summary[1].split()[1:3] == ["exit", "1"] and "Traceback" not in compile_log, compile_log
    assert compile_log.splitlines()[-1].startswith("compile: ") and "nothing compiled" in compile_log, compile_log


def test_gpu_checks_kills_a_step_that_ignores_its_time_limit_and_goes_on(tmp_path):
    """A step that ignores SIGTERM at its limit (a process stuck in a hung GPU call) is killed and
    the steps after it run: before, the script waited for it, and the lent GPU's time ran out. With
    $OUT the archive still comes back with every step's log."""
    stuck = stub(tmp_path, "python", "trap '' TERM\ncase \"$*\" in *iteration.py*) exec sleep 300;; esac\nexit 3")
    done, summary, _ = run_gpu_checks(tmp_path, stuck, out=tmp_path / "out", RACE_S=1)
    assert done.returncode != 0
    codes = {line.split()[0]: line.split()[2] for line in summary}
    assert codes == {**{step: "3" for step in STEPS}, "race": "137"}, summary
    assert {f"gpu-logs/{step}.log" for step in STEPS} <= set(archived(tmp_path / "out")), done.stdout


def test_gpu_checks_packs_everything_into_one_archive_and_a_summary_for_out(tmp_path):
    """The device tool brings back at most 8 files from $OUT, 2 folders down: with $OUT the script packs
    its logs, result tables and the demo's report tree into $OUT/gpu-logs.tgz, the summary beside it
    (before, it wrote them to LOG_DIR alone: ~12 files and a tree, none of them under $OUT)."""
    python = stub(tmp_path / "bin", "python", 'case "$*" in *" demo "*) mkdir -p "${@: -1}/report/figures"\n'
                  '  echo chart >"${@: -1}/report/figures/a.svg";; *iteration.py*) echo table >"${@: -1}/t.md";; esac\n'
                  'echo "ran $1"')
    out = tmp_path / "out"
    done, summary, logs = run_gpu_checks(tmp_path, python, out=out)
    assert done.returncode == 0, done.stdout
    assert set(what_comes_back(out)) == {"gpu-logs.tgz", "summary.txt"}
    members = archived(out)
    assert {f"gpu-logs/{step}.log" for step in STEPS} | {"gpu-logs/gpu.txt", "gpu-logs/results/t.md",
                                                          "gpu-logs/demo-report/figures/a.svg"} <= set(members)
    assert members["gpu-logs/summary.txt"] == "".join(line + "\n" for line in summary)
    back = (out / "summary.txt").read_text().splitlines()
    assert back[:-1] == summary and back[-1].startswith("archive gpu-logs.tgz "), back
    assert [line.split()[:3] for line in summary] == [[step, "exit", "0"] for step in STEPS], summary


def test_gpu_checks_cuts_steps_to_its_overall_budget_and_still_packs(tmp_path):
    """TOTAL_S bounds the whole script (the device tool's command stops at 600 s, and then nothing came
    back): a step's limit is cut to what the budget leaves (less 5 s to stop it and PACK_S), a step left
    under 5 s is skipped, named in the summary with the reason, and the archive still comes back."""
    python = stub(tmp_path / "bin", "python", 'case "$*" in *cuda.module*) exec sleep 300;; esac')
    out = tmp_path / "out"
    done, summary, _ = run_gpu_checks(tmp_path, python, out=out, TOTAL_S=12, PACK_S=0, DEVICE_S=1)
    assert done.returncode != 0
    assert [line.split()[0] for line in summary] == list(STEPS), summary
    assert summary[0].split()[1:3] == ["exit", "0"] and "TOTAL_S" not in summary[0], summary
    assert summary[1].split()[1:3] == ["exit", "124"] and summary[1].endswith(" of 50 s: TOTAL_S)"), summary
    assert all(line.split()[1] == "skipped:" and "TOTAL_S=12 s" in line for line in summary[2:]), summary
    assert "gpu-logs/compile.log" in archived(out) and set(what_comes_back(out)) == {"gpu-logs.tgz", "summary.txt"}


def test_gpu_checks_stops_at_its_deadline_whatever_hangs_and_still_packs(tmp_path):
    """A command outside the steps that hangs (nvidia-smi here) meets the watchdog at TOTAL_S: the trap
    stops it, lists every step as not run, and writes the summary and the archive."""
    bin_folder = tmp_path / "bin"
    stub(bin_folder, "nvidia-smi", "exec sleep 300")
    python = stub(bin_folder, "python", "exit 0")
    out = tmp_path / "out"
    done, summary, _ = run_gpu_checks(tmp_path, python, out=out, path=bin_folder, TOTAL_S=2)
    assert done.returncode != 0
    assert summary[0].startswith("gpu.txt stopped: the overall deadline, TOTAL_S=2 s"), summary
    assert [line.split()[:2] for line in summary[1:]] == [[step, "skipped:"] for step in STEPS], summary
    assert "gpu-logs/gpu.txt" in archived(out) and set(what_comes_back(out)) == {"gpu-logs.tgz", "summary.txt"}


def test_gpu_checks_packs_at_its_deadline_though_a_step_left_a_process_holding_its_output(tmp_path):
    """A step that leaves a process of its own session behind (setsid; or one stuck in the GPU driver, which
    no signal ends) holds the step's pipe to tee open: the script waited for it past its deadline, and a
    holder longer than the command's limit left no summary and no archive."""
    bin_folder = tmp_path / "bin"
    holder = tmp_path / "holder.pid"
    stub(bin_folder, "nvidia-smi", "exit 0")
    python = stub(bin_folder, "python", 'case "$*" in *"import cupy"*|*"import minitransfer"*|*"import xdist"*) '
                                        f'exit 0;; esac; setsid sleep 300 > /dev/stdout & echo $! > {holder}; exit 0')
    out = tmp_path / "out"
    try:
        done, summary, _ = run_gpu_checks(tmp_path, python, out=out, path=bin_folder, wait=90, TOTAL_S=12,
                                            PACK_S=0)
    finally:
        if holder.exists():
            os.kill(int(holder.read_text()), signal.SIGKILL)
    assert done.returncode != 0
    assert any("stopped: the overall deadline" in line for line in summary), summary
    assert set(what_comes_back(out)) == {"gpu-logs.tgz", "summary.txt"}
