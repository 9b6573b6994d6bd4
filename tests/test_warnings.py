"""The warnings ``train`` prints before its first iteration (:func:`minitransfer.preflight.warnings_for`):
a crop that sees a small part of each stored image, a reduced-data run that keeps every image, a
batch larger than the data, and a CPU run that would take hours; and the memory estimate behind its
refusal of a batch too large for the memory (:func:`minitransfer.preflight_memory.check_memory`)."""

import json
import math
import pathlib
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

from minitransfer import checkpoint as checkpoints
from minitransfer import config, config_wording, models, preflight, preflight_memory
from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.cli._errors import option_text
from minitransfer.data import build
from minitransfer.data.decode import ImportItem
from minitransfer.memory_limit import Available


def warnings(**fields):
    return preflight.warnings_for(config.resolve(config.TrainConfig(device="cpu", quiet=True, **fields)))


def test_a_small_crop_of_large_images_names_the_images_and_the_size_that_fixes_it(synthetic_8):
    found = warnings(data=synthetic_8, preset="micro", max_iter=5)
    assert len(found) == 1, found
    assert f"preset micro takes 12x12 crops of the 36x36 images of {synthetic_8}" in found[0]
    assert "a crop spans 33% of an image's side" in found[0]
    assert "prepare the images at 14 px (prepare's --size) to keep the paper's proportion, or choose " \
        "`preset='mini'`" in found[0]  # 12 / (227 / 256) = 13.5; mini's 32 px crops span 89 % of 36
    assert warnings(data=synthetic_8, preset="mini", max_iter=5) == []  # 32 of 36: 89 %


def test_a_small_crop_of_a_transfer_within_its_bases_dataset_says_the_base_must_be_trained_again(synthetic_8,
                                                                                                   tmp_path):
    """A transfer takes its base's preset, and the base was trained on the images to prepare again."""
    base = tmp_path / "base.h5"
    training.train(config.TrainConfig(out=str(base), data=synthetic_8, preset="micro", max_iter=1, batch_size=4,
                                      device="cpu", quiet=True))
    found = warnings(copy_from=str(base), n=2, max_iter=5)
    assert len(found) == 1 and found[0].startswith(f"preset micro (the preset of {base}, whose layers are copied) "
                                                   f"takes 12x12 crops of the 36x36 images of {synthetic_8}"), found
    assert found[0].endswith(f"prepare {synthetic_8} at 14 px (prepare's --size) and train {base} again on it, to "
                             f"keep the paper's proportion"), found


@pytest.mark.parametrize("data, preset, fix", [
    ("micro_data", "mini", "prepare them at 36 px (prepare's --size), or choose `preset='micro'`"),
    ("synthetic_8", "caffenet", "prepare them at 256 px (prepare's --size), or choose `preset='mini'`")])
def test_a_crop_larger_than_the_images_is_refused_saying_what_fits(request, data, preset, fix):
    """Images prepared at, say, 128 px take caffenet by default, whose 227 px crops cannot be cut
    from them: the refusal said so and nothing of what to do."""
    with pytest.raises(config.ConfigError, match=f"crops but the images of .* are .*: {fix}$".replace("(", r"\(")
                       .replace(")", r"\)")):
        warnings(data=request.getfixturevalue(data), preset=preset, max_iter=5)


@pytest.mark.parametrize("preset", ["micro", "mini"])
def test_a_cpu_run_of_more_than_two_hours_is_announced_with_its_length(synthetic_8, preset):
    p = models.get(preset)
    threshold = preflight.CPU_HOURS_WARNING * 3600 / (p.cpu_seconds_per_image * p.batch_size)
    longer = math.ceil(2 * threshold)
    found = [w for w in warnings(data=synthetic_8, preset=preset, max_iter=longer) if "on the CPU" in w]
    assert len(found) == 1, found
    assert f"{preset} on the CPU: {longer} iterations of batch {p.batch_size} take about 4 hours" in found[0]
    assert "train on a GPU (`device='cuda'`)" in found[0]
    shorter = math.floor(threshold / 2)
    assert not [w for w in warnings(data=synthetic_8, preset=preset, max_iter=shorter) if "on the CPU" in w]


def test_a_reduced_data_run_that_keeps_every_image_says_so(synthetic_8):
    # synthetic_8: 40 training images per class, 8 classes (on every class, as the paper's reduced-data runs)
    found = warnings(data=synthetic_8, preset="mini", max_iter=5, per_class=40, split="all")
    assert len(found) == 1 and "`per_class=40` keeps every training image" in found[0], found
    assert "(320 images of 8 classes)" in found[0] and "`base_lr=0.0125`" in found[0]
    assert warnings(data=synthetic_8, preset="mini", max_iter=5, per_class=39, split="all") == []


def test_a_batch_larger_than_the_training_images_says_so(synthetic_8):
    found = warnings(data=synthetic_8, preset="mini", max_iter=5, batch_size=161)
    assert found == ["`batch_size=161` is larger than the 160 training images: every batch repeats images"]
    assert warnings(data=synthetic_8, preset="mini", max_iter=5, batch_size=160) == []


def test_a_cuda_graph_asked_for_on_the_cpu_says_it_is_not_used(synthetic_8):
    assert warnings(data=synthetic_8, preset="mini", max_iter=5, cuda_graph=True) == [
        "`cuda_graph` replays CUDA kernels; on the CPU the run goes without it"]


# One training step in a fresh process: how much its peak RSS grows over what the imports took.
# The peak is this process's own (VmHWM), not getrusage's ru_maxrss, which Linux carries over
# from the parent through fork and exec: after a test that held gigabytes, pytest's size.
PEAK_GROWTH = """
import os, sys
from minitransfer import train
def status(field):
    return next(int(line.split()[1]) * 1024 for line in open("/proc/self/status") if line.startswith(field + ":"))
before = status("VmRSS")
data, out, preset, batch = sys.argv[1:]
train.train(train.TrainConfig(data=data, out=out, preset=preset, batch_size=int(batch), max_iter=1, eval_batch_size=4,
                              device="cpu", quiet=True))
print(status("VmHWM") - before)
"""


@pytest.mark.parametrize("preset, batch", [("micro", 512), ("mini", 256)], ids=["micro-512", "mini-256"])
def test_the_training_memory_estimate_is_within_twice_the_measured_peak(synthetic_8, tmp_path, preset, batch):
    command = [sys.executable, "-c", PEAK_GROWTH, synthetic_8, str(tmp_path / "net.h5"), preset, str(batch)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    measured = int(done.stdout)
    estimate = preflight_memory.training_bytes(models.get(preset).build(4), (36, 36), batch)  # half A: 4 classes
    assert measured / 2 <= estimate <= 2 * measured, (estimate, measured)


def test_memory_is_not_checked_where_it_is_unknown_and_an_evaluation_counts_the_images_it_has(synthetic_8, monkeypatch):
    plan = config.resolve(config.TrainConfig(data=synthetic_8, preset="micro", batch_size=10**6, eval_batch_size=10**6,
                                             device="cpu", quiet=True), checksums=False)
    monkeypatch.setattr(preflight_memory, "available_memory", lambda: None)
    preflight_memory.check_memory(plan)  # nothing to compare with: the run goes on
    monkeypatch.setattr(preflight_memory, "available_memory", lambda: Available(2**30, "MemAvailable in /proc/meminfo"))
    with pytest.raises(MemoryError, match=r"^a training step of micro at `batch_size=1000000` needs about "
                                          r"[\d,]+\.\d GiB of memory; 1\.0 GiB is available \(MemAvailable in "
                                          r"/proc/meminfo\); lower `batch_size`: `batch_size=\d+` fits$"):
        preflight_memory.check_memory(plan)
    plan.config.batch_size = 1
    preflight_memory.check_memory(plan)  # evaluated in one batch of half A's 40 validation images: a few MiB


def test_train_names_the_options_and_the_library_the_fields(synthetic_8, tmp_path):
    """A notebook's run was told to change --per-class and --batch-size, options it has not got;
    the command line's user still reads the options."""
    result = CliRunner().invoke(main, ["train", "--data", synthetic_8, "--preset", "mini", "--max-iter", "1",
                                       "--per-class", "40", "--split", "all", "--batch-size", "321", "--cuda-graph",
                                       "--device", "cpu",
                                       "--log-every", "1", "-o", str(tmp_path / "net.h5")])
    assert result.exit_code == 0, result.output
    said = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    assert len(said) == 3 and not any("`" in line for line in said), said
    assert "--per-class 40 keeps every training image" in said[0] and "(--base-lr 0.0125, --stepsize" in said[0]
    assert said[1:] == ["warning: --batch-size 321 is larger than the 320 training images: every batch repeats images",
                        "warning: --cuda-graph replays CUDA kernels; on the CPU the run goes without it"]
    # the command has ended: the library's words again
    assert config_wording.worded("`batch_size=321`") == "`batch_size=321`"


def test_a_reduced_data_run_names_the_classes_that_keep_fewer_images(tmp_path):
    """--per-class 5 where two classes have 3 and 1 training images: those keep all they have, and
    the run's classes are not equally weighted; train said nothing (splits --per-class says the same)."""
    counts = [3, 9, 1, 5]
    rng = np.random.default_rng(0)
    classes = [{"index": index, "wnid": name, "name": name} for index, name in enumerate("abcd")]

    def subset(per_class):
        labels = np.repeat(np.arange(len(per_class)), per_class)
        return [ImportItem(pixels=rng.integers(0, 256, (14, 14, 3), dtype=np.uint8)) for _ in labels], labels, {}

    data = tmp_path / "unequal"
    build.build_dataset(data, source={"kind": "test"}, classes=classes, size=14, workers=0,
                        subsets={"train": subset(counts), "val": subset([2] * 4)})
    found = warnings(data=str(data), split="all", preset="micro", max_iter=5, batch_size=4, per_class=5)
    assert found == ["`per_class=5`: 2 of the 4 classes have fewer than 5 training images, and keep all they have: "
                     "'a' (3), 'c' (1)"]
    assert warnings(data=str(data), split="all", preset="micro", max_iter=5, batch_size=4, per_class=1) == []



def test_a_transfer_onto_classes_its_base_partly_learned_names_both_tasks(micro_data, tmp_path):
    """A transfer given a split other than its base's (every class, or another split's half) trained
    without a word, yet its copied layers had learned some of its classes: neither AnB nor BnB.
    Splitting as the base did (the default) gives AnB, the same half BnB: no warning."""
    base = tmp_path / "baseA.h5"
    fast = dict(preset="micro", batch_size=8, max_iter=2, eval_every=2, quiet=True, device="cpu")
    training.train(config.TrainConfig(out=str(base), data=micro_data, split="random", half="A", **fast))
    assert warnings(copy_from=str(base), n=2, batch_size=8) == []              # AnB
    assert warnings(copy_from=str(base), n=2, batch_size=8, half="A") == []    # AnA, a selffer
    found = warnings(copy_from=str(base), n=2, batch_size=8, split="all")
    # the shared classes named as the cross-dataset warning names them: half A's (every class holds them), read
    # from the dataset's class table by the indices the base's checkpoint records
    table = {int(entry["index"]): entry
             for entry in json.loads((pathlib.Path(micro_data) / "meta.json").read_text())["classes"]}
    half_a = sorted(int(entry["index"]) for entry in checkpoints.read_meta(base)["classes"])
    named = ", ".join(f"'{table[index]['wnid']}' ({table[index]['name']})" for index in half_a)
    assert found == [f"2 of the 4 classes this run trains on (every class) are among the 2 that {base} was trained on "
                     f"(half A of the random split, seed 0): {named}; neither a transfer (AnB: other classes) nor a "
                     f"selffer (BnB: the same ones); leave `split` and `split_seed` unset to split as the base did"]


def test_a_base_of_another_precision_says_what_follows_and_the_precision_to_give(micro_data, tmp_path):
    """A transfer in ieee of a base trained in tf32: the warning gave both precisions alone, not that the copy is
    sound (float32 weights either way), that report refuses the run beside runs of another precision (its base's
    among them), or the --precision that computes as the base was trained."""
    base = tmp_path / "baseA.h5"
    fast = dict(preset="micro", batch_size=8, max_iter=2, eval_every=2, quiet=True, device="cpu")
    training.train(config.TrainConfig(out=str(base), data=micro_data, half="A", precision="tf32", **fast))
    [found] = warnings(copy_from=str(base), n=2, batch_size=8)
    assert found == (f"the layers copied from {base} were trained in precision tf32; this run computes in ieee: the "
                     f"copied weights are float32 in every precision, but report counts this run as one of a "
                     f"precision of its own (ieee, layers 1..2 copied from a tf32 network) and refuses a folder "
                     f"holding it beside runs of another; give `precision='tf32'` to compute as they were trained")
    assert option_text(found).endswith("; give --precision tf32 to compute as they were trained")  # train's words
    assert warnings(copy_from=str(base), n=2, batch_size=8, precision="tf32") == []  # the advice followed


def test_a_stepsize_at_or_beyond_max_iter_says_the_rate_never_steps_down(synthetic_8):
    """--max-iter 300 --stepsize 300 (the rate steps at iteration 300, which a run of iterations 0-299
    never reaches) trained at base_lr throughout without a word: the paper's schedule steps."""
    found = warnings(data=synthetic_8, preset="mini", max_iter=300, stepsize=300)
    assert found == ["`stepsize=300` is not below `max_iter=300`: the learning rate never steps down and stays at "
                     "`base_lr=0.01` for the whole run, where the paper's schedule lowers it every 100,000 of 450,000 "
                     "iterations (`stepsize=67` for this run, what leaving `stepsize` unset gives); set `gamma=1` "
                     "where a constant rate is meant"]  # 100000 * 300 / 450000 = 66.7
    reduced = warnings(data=synthetic_8, preset="mini", max_iter=300, stepsize=10**6, per_class=39, split="all")
    assert len(reduced) == 1 and "lowers it every 64,000 of 200,000 iterations (`stepsize=96` for" in reduced[0]
    assert warnings(data=synthetic_8, preset="mini", max_iter=300, stepsize=299) == []  # steps at iteration 299
    assert warnings(data=synthetic_8, preset="mini", max_iter=300, stepsize=300, gamma=1) == []  # a constant rate
    assert warnings(data=synthetic_8, preset="mini", max_iter=1) == []  # one iteration: nothing to step

