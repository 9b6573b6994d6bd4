"""``~`` in a path given to the library (a notebook has no shell to expand it): every public entry point
takes it as the home folder, so that its files land under $HOME and nowhere in a folder named ``~`` of
the working folder; a grid's plan and its runs' command lines name the same folder (before, the plan went
to ./~/gx and the runs, whose train expanded it, to $HOME/gx: the grid split in two). The importers read
their source and label files and write the dataset there too."""

import io
import json
import pathlib
import zipfile

import numpy as np
import pytest
from PIL import Image
from tar_files import write_pickle_tar

from minitransfer import demo, experiment, report, scheduler, slurm
from minitransfer.grid_options import ALL_CLASSES
from minitransfer.data import cifar, importers, synthetic
from minitransfer.evaluate import evaluate_checkpoint
from minitransfer.home_paths import expanded
from minitransfer.train import TrainConfig, train

WNIDS = ("n01440764", "n02084071")
MICRO = dict(preset="micro", max_iter=1, batch_size=8, device="cpu", quiet=True)


@pytest.fixture
def home(tmp_path, monkeypatch):
    """$HOME a folder of this test's, the working folder another: a literal ``~`` would land in the latter."""
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    yield home
    assert not list(tmp_path.rglob("~")), "a folder named ~ was written"


@pytest.fixture
def home_micro(home):
    """The micro dataset (conftest's) built in $HOME/micro, given as ``~/micro``."""
    synthetic.build_synthetic(home / "micro", classes=4, train_per_class=8, val_per_class=4, size=14, seed=1)
    return home


@pytest.mark.parametrize("given, meant", [
    ("~/x.h5", "HOME/x.h5"), ("~", "HOME"), (pathlib.Path("~/grid"), pathlib.Path("HOME/grid")),
    ("$HOME/x.h5", "$HOME/x.h5"), ("${HOME}/x", "${HOME}/x"), ("a/~/b", "a/~/b"), ("x~", "x~"),
    ("~no-such-user-70/x", "~no-such-user-70/x"), (None, None), (3, 3), ("auto", "auto")])
def test_only_a_leading_tilde_is_the_home_folder(home, given, meant):
    at_home = str(meant).startswith("HOME")  # the oracle: the test's $HOME written in place of HOME
    want = type(meant)(str(home) + str(meant)[len("HOME"):]) if at_home else meant
    got = expanded(given)
    assert got == want and type(got) is type(given)


def test_build_synthetic_writes_under_home(home):
    data = synthetic.build_synthetic("~/syn", classes=2, train_per_class=1, val_per_class=1, size=4)
    assert data.path.resolve() == (home / "syn").resolve() and (home / "syn" / "meta.json").is_file()


@pytest.fixture
def trained(home_micro):
    """baseA and A1B trained in $HOME/runs, every path given in full."""
    runs, data = home_micro / "runs", str(home_micro / "micro")
    train(TrainConfig(out=str(runs / "baseA.h5"), data=data, half="A", **MICRO))
    train(TrainConfig(out=str(runs / "A1B.h5"), copy_from=str(runs / "baseA.h5"), n=1, **MICRO))
    return runs


def test_train_writes_and_reads_under_home(home_micro):
    train(TrainConfig(out="~/runs/baseA.h5", data="~/micro", half="A", **MICRO))
    assert (home_micro / "runs" / "baseA.h5").is_file() and (home_micro / "runs" / "baseA.run").is_dir()
    recorded = json.loads((home_micro / "runs" / "baseA.run" / "config.json").read_text())
    assert "~" not in json.dumps(recorded), recorded  # its weights and dataset named where they are


def test_train_copies_from_a_base_under_home(trained):
    copy = train(TrainConfig(out=str(trained / "A1B+.h5"), copy_from="~/runs/baseA.h5", n=1, **MICRO))
    assert copy.mean10_top1 is not None and (trained / "A1B+.h5").is_file()
    recorded = json.loads((trained / "A1B+.run" / "config.json").read_text())
    assert "~" not in json.dumps(recorded), recorded


def test_train_resumes_a_run_folder_under_home(trained):
    again = train(TrainConfig(resume="~/runs/A1B.run", quiet=True))  # found finished: its result
    assert again.mean10_top1 == json.loads((trained / "A1B.run" / "result.json").read_text())["mean10_top1"]


def test_evaluate_checkpoint_reads_under_home(trained):
    scores = evaluate_checkpoint("~/runs/A1B.h5", data="~/micro", device="cpu")
    assert scores == evaluate_checkpoint(str(trained / "A1B.h5"), data=str(trained.parent / "micro"), device="cpu")


def test_write_report_reads_and_writes_under_home(trained):
    written = report.write_report("~/runs", out_dir="~/rep", figures=False)
    assert (trained.parent / "rep" / "results.csv").is_file() and len(written.results) == 2


@pytest.mark.parametrize("data", ["~/micro", "HOME/micro"])
def test_a_grid_in_the_home_folder_is_one_grid(home_micro, data):
    runs = experiment.plan_grid(layers=(1,), fine_tuned=False, selffer=False)  # baseA, baseB, A1B
    options = {"data": data.replace("HOME", str(home_micro)), "preset": "micro", "max_iter": 1, "batch_size": 8,
               "device": "cpu", ALL_CLASSES: {"data": "~/micro"}}
    outcome = scheduler.run_grid(runs, "~/gx", options, log=lambda line: None, poll_seconds=0.05)
    assert sorted(outcome.finished) == sorted(run.name for run in runs)
    assert all((home_micro / "gx" / f"{run.name}.h5").is_file() for run in runs)
    planned = "".join(path.read_text() for path in (home_micro / "gx").glob("*.json"))
    assert planned and "~" not in planned


def test_a_grid_written_for_slurm_in_the_home_folder_names_it(home_micro):
    """emit_slurm took "~/gx" as a folder of the working folder's, its scripts' runs named it so."""
    runs = experiment.plan_grid(layers=(1,), fine_tuned=False, selffer=False)
    submit = slurm.emit_slurm(runs, "~/gx", "~/slurm", {"data": "~/micro", "preset": "micro", "device": "cpu"})
    assert pathlib.Path(submit).parent == home_micro / "slurm" and (home_micro / "gx").is_dir()
    scripts = "".join(path.read_text() for path in (home_micro / "slurm").glob("*.sh"))
    assert str(home_micro / "gx") in scripts and str(home_micro / "micro") in scripts and "~/" not in scripts


def test_the_demo_trains_where_the_home_folder_is(home, monkeypatch):
    given = {}

    def grid(runs, out, options, **kwargs):
        given.update(out=out, data=options["data"])
        return "outcome"

    monkeypatch.setattr(demo, "run_grid", grid)
    assert demo.run_demo("~/demo", "~/micro") == "outcome"
    assert given == {"out": str(home / "demo"), "data": str(home / "micro")}


def _png(colour, size):
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def _recorded_paths(home, folder):
    """meta.json of the dataset ``folder`` under $HOME, as text: where it says its source lay."""
    return (home / folder / "meta.json").read_text()


def test_import_cifar100_reads_and_writes_under_home(home):
    rng = np.random.default_rng(0)

    def batch(count):
        fine = (np.arange(count) % 4).tolist()
        return {b"data": rng.integers(0, 256, (count, 3072), dtype=np.uint8), b"fine_labels": fine,
                b"coarse_labels": [label // 2 for label in fine]}

    write_pickle_tar(home / "cifar-100-python.tar.gz", "cifar-100-python", {
        "meta": {b"fine_label_names": [b"apple", b"pear", b"bus", b"train"],
                 b"coarse_label_names": [b"fruit_and_vegetables", b"vehicles_1"]},
        "train": batch(8), "test": batch(4)})
    data = cifar.import_cifar100("~/cifar-100-python.tar.gz", "~/c100", workers=0)
    assert data.labels("train").tolist() == [0, 1, 2, 3, 0, 1, 2, 3]
    assert str(home) in _recorded_paths(home, "c100") and "~" not in _recorded_paths(home, "c100")


def test_import_imagenet_reads_its_labels_names_and_families_under_home(home):
    for index, wnid in enumerate(WNIDS):
        (home / "ilsvrc" / "train" / wnid).mkdir(parents=True)
        (home / "ilsvrc" / "train" / wnid / f"{wnid}_1.JPEG").write_bytes(_png((200 * index, 40, 40), (20, 16)))
    (home / "ilsvrc" / "val").mkdir()
    for number in (1, 2):
        (home / "ilsvrc" / "val" / f"ILSVRC2012_val_{number:08d}.JPEG").write_bytes(_png((9, 9, 9), (16, 20)))
    (home / "val.txt").write_text("ILSVRC2012_val_00000001.JPEG 1\nILSVRC2012_val_00000002.JPEG 0\n")
    (home / "words.txt").write_text(f"{WNIDS[0]} tench\n{WNIDS[1]} dog\n")
    (home / "is_a.txt").write_text(f"n00004475 {WNIDS[0]}\nn00021939 {WNIDS[1]}\n")
    data = importers.import_imagenet("~/ilsvrc", "~/in", val_labels="~/val.txt", words="~/words.txt",
                                     is_a="~/is_a.txt", size=8, workers=0)
    assert [entry["name"] for entry in data.classes] == ["tench", "dog"]
    assert [entry["family"] for entry in data.classes] == ["natural", "man-made"]
    assert data.labels("val").tolist() == [1, 0]
    recorded = json.loads(_recorded_paths(home, "in"))["source"]
    assert recorded["path"] == str(home / "ilsvrc") and recorded["val_labels"] == str(home / "val.txt")


def test_import_tiny_imagenet_reads_and_writes_under_home(home):
    with zipfile.ZipFile(home / "tiny-imagenet-200.zip", "w") as archive:
        archive.writestr("tiny-imagenet-200/wnids.txt", "\n".join(WNIDS) + "\n")
        archive.writestr("tiny-imagenet-200/words.txt", f"{WNIDS[0]}\ttench\n{WNIDS[1]}\tdog\n")
        for wnid in WNIDS:
            archive.writestr(f"tiny-imagenet-200/train/{wnid}/images/{wnid}_0.JPEG", _png((250, 0, 0), (64, 64)))
        archive.writestr("tiny-imagenet-200/val/val_annotations.txt", f"val_0.JPEG\t{WNIDS[1]}\t0\t0\t63\t63\n")
        archive.writestr("tiny-imagenet-200/val/images/val_0.JPEG", _png((5, 5, 200), (64, 64)))
    data = importers.import_tiny_imagenet("~/tiny-imagenet-200.zip", "~/tiny", size=8, workers=0)
    assert data.labels("val").tolist() == [1]
    assert str(home) in _recorded_paths(home, "tiny") and "~" not in _recorded_paths(home, "tiny")
