"""A researcher planning a grid with `experiment --dry-run` reads what it costs before it trains: its time, its disk
against the space free there, and its memory against what this machine has. Before, a grid of mini (or micro)
said none of it: a dry run of mini runs into a folder with 1 MB free said nothing of the disk they fill (the grid
then trained one and failed the next at its checkpoint, exit 74), a CaffeNet grid's free space below a GB read
"0.0 GB free there", and the host memory of a CPU grid (one run at a time) was checked by nobody before each of
its runs stopped as it started (a CaffeNet step at batch 256 needs about 9.8 GiB; the dry run of a 6 GiB job said
nothing, exit 0)."""

import collections
import pathlib
import re

import pytest
from click.testing import CliRunner

from test_review_60_grid import imagenet_sized  # noqa: F401 (a fixture)

from minitransfer import disk_space, experiment, grid_cost, models, preflight_memory
from minitransfer.cli import main
from minitransfer.data import synthetic
from minitransfer.memory_limit import Available

# docs/checkpoints.md's sizes measured on files train wrote: mini on half of 4 synthetic classes of 36 px
MEASURED_WEIGHTS_FILE, MEASURED_CHECKPOINT = 315_642, 610_368
GIB = 2**30
Statvfs = collections.namedtuple("Statvfs", "f_bavail f_frsize f_files f_favail")


@pytest.fixture(scope="module")
def mini_data(tmp_path_factory):
    """4 classes of 36 px images: the mini preset by default, 2 classes a half."""
    folder = tmp_path_factory.mktemp("mini") / "data"
    synthetic.build_synthetic(folder, classes=4, train_per_class=4, val_per_class=1, size=36, seed=0)
    return folder


def _megabytes(said):
    """"5.4 MB" or "339 kB" in bytes."""
    figure, unit = said.replace(",", "").split()
    return float(figure) * {"kB": 1e3, "MB": 1e6, "GB": 1e9}[unit]


def test_a_mini_grid_says_its_cpu_time_and_its_disk_against_a_nearly_full_one(mini_data, tmp_path, monkeypatch):
    """6 runs of --layers 3 (baseA, baseB, B3B, B3B+, A3B, A3B+): their files take within a few per cent of the
    sizes measured on files train wrote (each run a weights file and a checkpoint.h5), more than the 1 MB free;
    their time on the CPU is mini's measured cost an image (0.5 ms) x 64 x 300 iterations a run."""
    monkeypatch.setattr(disk_space, "disk_status", lambda folder: Statvfs(250, 4096, 100, 50))  # 1,024,000 bytes
    runs = experiment.plan_grid(layers=(3,))
    lines = grid_cost.plan_cost(runs, tmp_path / "grid", {"data": str(mini_data), "seed": 0}, slots=(None,))
    text = "\n".join(lines)
    assert lines and lines[0] == "cost: 6 runs to train (mini, batch 64): 1,800 iterations", lines
    seconds = 6 * 300 * 64 * models.get("mini").cpu_seconds_per_image
    assert f"on the CPU, one run at a time: about {seconds:.0f} s" in text and "not on this machine" in text, text
    need, free = re.search(r"disk: about ([\d.,]+ [kMG]B) in .*; ([\d.,]+ [kMG]B) free there, too little",
                           text).groups()
    assert free == "1.0 MB", text
    assert _megabytes(need) == pytest.approx(6 * (MEASURED_WEIGHTS_FILE + MEASURED_CHECKPOINT), rel=0.05), text
    weights, checkpoint = re.search(r"\((\d+ kB) a file\).*\((\d+ kB);", text, re.S).groups()
    assert _megabytes(weights) == pytest.approx(MEASURED_WEIGHTS_FILE, rel=0.05), text
    assert _megabytes(checkpoint) == pytest.approx(MEASURED_CHECKPOINT, rel=0.05), text


def test_a_caffenet_grid_on_a_nearly_full_disk_says_the_megabytes_free(imagenet_sized, tmp_path,  # noqa: F811
                                                                         monkeypatch):
    monkeypatch.setattr(disk_space, "disk_status", lambda folder: Statvfs(250, 4096, 100, 50))
    lines = grid_cost.plan_cost(experiment.plan_grid(layers=(4,), fine_tuned=False), tmp_path / "grid",
                                {"data": str(imagenet_sized), "seed": 0}, slots=(None,))
    [disk] = [line for line in lines if line.startswith("  disk:")]
    assert "; 1.0 MB free there, too little" in disk, disk


def _dry_run(data, out, monkeypatch, available):
    monkeypatch.setattr(preflight_memory, "available_memory", lambda root="/": Available(available, "a test's limit"))
    return CliRunner().invoke(main, ["experiment", "--data", str(data), "-o", str(out), "--device", "cpu",
                                     "--layers", "4", "--no-fine-tuned", "--dry-run"])


def test_the_dry_run_of_a_cpu_grid_says_when_its_runs_need_more_memory_than_there_is(imagenet_sized,  # noqa: F811
                                                                                      tmp_path, monkeypatch):
    """A CaffeNet step at batch 256 on the CPU holds at its peak about 6.1 GiB besides its parameters (preflight's
    account, which tracemalloc's peak over two steps at batch 24 matched within 0.1%: 662 MiB), and 3 x 4 bytes a
    parameter (0.7 GiB), the crops and the process: more than 6 GiB, less than 24 GiB. A grid with one slot checks no memory before its runs (each checks itself as it starts, and stops)."""
    result = _dry_run(imagenet_sized, tmp_path / "small", monkeypatch, 6 * GIB)
    assert result.exit_code == 0, result.output
    [memory] = [line for line in result.output.splitlines() if line.startswith("  memory:")]
    need = float(re.search(r"needs up to about ([\d.]+) GiB of host memory", memory).group(1))
    assert 6.5 <= need <= 7.5, memory
    assert "--batch-size 256" in memory and "6.0 GiB is available here (a test's limit), too little" in memory, memory
    assert memory.endswith("lower --batch-size"), memory
    result = _dry_run(imagenet_sized, tmp_path / "large", monkeypatch, 24 * GIB)
    assert result.exit_code == 0, result.output
    assert re.search(r"^  memory: a run needs up to about [\d.]+ GiB .*; 24.0 GiB is available here \(a test's "
                     r"limit\)$", result.output, re.M), result.output


def test_a_mini_grid_whose_runs_need_more_memory_than_there_is_says_so(mini_data, tmp_path, monkeypatch):
    result = _dry_run(mini_data, tmp_path / "grid", monkeypatch, 2**20)  # mini at batch 64: tens of MiB
    assert result.exit_code == 0, result.output
    assert re.search(r"^  memory: .*; 1 MiB is available here \(a test's limit\), too little", result.output,
                     re.M), result.output
    result = _dry_run(mini_data, tmp_path / "grid", monkeypatch, 24 * GIB)  # as before: minutes on a CPU
    assert result.exit_code == 0 and result.output.rstrip().endswith("would run on the CPU, one at a time"), \
        result.output


def test_the_gpu_time_says_when_and_with_which_kernels_it_was_measured(imagenet_sized, tmp_path):  # noqa: F811
    """The iteration times come from one benchmark file (its name dated, its text naming the kernels' commit); the
    kernels have changed since, so the figures say which they are."""
    results = pathlib.Path(__file__).parents[1] / "benchmarks" / "results"
    [measured] = results.glob("nvidia-h100-*-training.md")
    date = re.search(r"(\d{4}-\d{2}-\d{2})-training", measured.name).group(1)
    commit = re.search(r"kernels of commit (\w+)", measured.read_text()).group(1)
    lines = grid_cost.plan_cost(experiment.plan_grid(layers=(4,), fine_tuned=False), tmp_path / "grid",
                                {"data": str(imagenet_sized), "seed": 0})
    [gpu] = [line for line in lines if line.startswith("  on one H100:")]
    assert f"measured there on {date}, with the kernels of commit {commit} (caffenet: 45.32 ms" in gpu, gpu
