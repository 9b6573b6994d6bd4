"""A researcher planning the paper's full-scale run: `experiment --dry-run` and `--emit-slurm` on an ImageNet-sized
(256 px, CaffeNet) dataset. The help says "look at the plan with --dry-run first", but the plan said nothing of
what it costs: no iterations, no GPU time, no disk. The numbers below are worked by hand from the paper and the
measured iteration times (benchmarks/results/nvidia-h100-80gb-hbm3-2026-11-22-training.md: 45.32 ms a CaffeNet
iteration of batch 256 with every layer learning, 18.53 ms with conv1..conv4 frozen, 15.21 ms with conv1..fc7)."""

import collections
import pathlib
import re

import pytest
from click.testing import CliRunner

from minitransfer import experiment, paper_runs
from minitransfer.cli import main
from minitransfer.data import synthetic

CAFFENET_PARAMETERS = 60_965_224     # with 1000 outputs (DESIGN.md §1); fc8 holds 4096 weights + 1 bias an output
MEAN_IMAGE_BYTES = 256 * 256 * 3 * 4  # float32, stored in each checkpoint


@pytest.fixture(scope="module")
def imagenet_sized(tmp_path_factory):
    """4 classes of 256 px images: the caffenet preset by default, 2 classes a half."""
    folder = tmp_path_factory.mktemp("paper") / "imagenet"
    synthetic.build_synthetic(folder, classes=4, train_per_class=2, val_per_class=1, size=256, seed=0)
    return folder


def _planned(imagenet_sized, tmp_path, *arguments):
    result = CliRunner().invoke(main, ["experiment", "--data", str(imagenet_sized), "-o", str(tmp_path / "grid"),
                                       "--device", "cpu", *arguments])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_dry_run_of_a_caffenet_grid_says_its_iterations_gpu_hours_and_disk(imagenet_sized, tmp_path):
    """--layers 4 --per-class 1: baseA, baseB, B4B+, A4B+, all/base (every layer learning: 5 x 450,000 x 45.32 ms
    = 101,970 s), B4B, A4B (conv1..conv4 frozen: 2 x 450,000 x 18.53 ms = 16,677 s) and all/reduced-0001 (the
    paper's reduced-data schedule, Appendix B: 200,000 iterations x 45.32 ms = 9,064 s): 3,350,000 iterations,
    127,711 s = 35.5 GPU-hours, 1.48 GPU-days; at best a base then its fine-tuned transfer, 40,788 s = 11 hours;
    on the CPU 0.07 s an image (the figure train warns with) x 256 x 3,350,000 = 694.8 days."""
    output = _planned(imagenet_sized, tmp_path, "--layers", "4", "--per-class", "1", "--dry-run")
    assert "cost: 8 runs to train (caffenet, batch 256): 3,350,000 iterations" in output, output
    assert "on one H100: about 35 GPU-hours (1.5 GPU-days)" in output, output
    assert "at best 11 hours with a GPU for every run" in output, output
    assert "on the CPU, one run at a time: about 695 days" in output, output
    # a run's 2 files: its weights file (4 bytes a parameter and the mean image) and its checkpoint.h5 (the
    # momentum too: 8 bytes a parameter and the mean image). The 6 half runs have fc8 of 2 outputs, the 2 runs on
    # every class of 4
    half, every_class = (CAFFENET_PARAMETERS - (1000 - outputs) * 4097 for outputs in (2, 4))
    need = sum((4 * parameters + MEAN_IMAGE_BYTES) + (8 * parameters + MEAN_IMAGE_BYTES)
               for parameters in [half] * 6 + [every_class] * 2)
    assert f"disk: about {need / 1e9:,.1f} GB in" in output, output
    assert re.search(r"GB free there", output), output


def test_the_slurm_scripts_say_what_their_grid_costs(imagenet_sized, tmp_path):
    """--emit-slurm --layers 7 --no-fine-tuned: baseA, baseB (2 x 450,000 x 45.32 ms = 40,788 s), B7B, A7B
    (2 x 450,000 x 15.21 ms = 13,689 s): 54,477 s = 15 GPU-hours, 1,800,000 iterations."""
    output = _planned(imagenet_sized, tmp_path, "--layers", "7", "--no-fine-tuned", "--emit-slurm",
                      str(tmp_path / "slurm"))
    assert "cost: 4 runs to train (caffenet, batch 256): 1,800,000 iterations" in output, output
    assert "on one H100: about 15 GPU-hours" in output, output


PAPER_PER_CLASS = (1, 2, 5, 10, 25, 50, 100, 250, 500, 750, 1000, 1300)  # Appendix B


def test_the_readme_counts_the_networks_of_its_paper_line_and_of_the_original():
    """README's "What the `experiment` line above costs": its line plans 96 networks (random0 30, random1 30,
    natural 16, all 20); the original's 170 (the reference table shipped) hold 134 random-split ones, which four
    split seeds with --both-directions cover with 232. Counted by hand from the paper: a random split's 2 bases
    and, for each of 7 n, BnB, AnB and their fine-tuned versions (30); the natural split's 2 bases and AnB, BnA
    (16); the all-classes base, random1..7 and 12 reduced-data bases (20)."""
    readme = (pathlib.Path(__file__).parents[1] / "README.md").read_text()
    assert "it plans 96\nnetworks (random0 30, random1 30, natural 16, all 20)" in readme
    assert "232 where it trained 134" in readme and "original code trained\n170 networks" in readme
    planned = experiment.plan_grid(random_seeds=(0, 1), natural=True, random_frozen=range(1, 8),
                                   per_class=PAPER_PER_CLASS)
    folders = collections.Counter(run.name.split("/")[0] for run in planned)
    assert folders == {"random0": 30, "random1": 30, "natural": 16, "all": 20}, folders
    original = paper_runs.read_reference(paper_runs.PAPER_REFERENCE)
    assert len(original) == 170
    assert sum(result.run.split == "random" for result in original) == 134
    both_ways = experiment.plan_grid(random_seeds=(0, 1, 2, 3), both_directions=True)
    assert len(both_ways) == 232
    trained = {(result.run.split_seed, result.run.label) for result in original if result.run.split == "random"}
    assert trained <= {(run.split_seed, run.label) for run in both_ways}  # every network, e.g. (0, "A3A+")


def test_two_runs_at_once_on_one_gpu_are_timed_as_one_gpu(imagenet_sized, tmp_path):
    """--gpus 0,0 (two runs at once on GPU 0) shares one GPU: baseA, baseB (2 x 20,394 s) and B4B, A4B (2 x
    450,000 x 18.53 ms = 16,677 s) take 57,465 s = 16 hours on it, not the 8 of two GPUs."""
    from minitransfer import grid_cost
    runs = experiment.plan_grid(layers=(4,), fine_tuned=False)
    options = {"data": str(imagenet_sized), "seed": 0, "device": "cuda"}
    lines = grid_cost.plan_cost(runs, tmp_path / "grid", options, slots=(0, 0))
    assert "  on 1 GPU at once: about 16 hours" in lines, lines
