"""``~`` in a path given to the library (a notebook has no shell to expand it): every public entry point
takes it as the home folder, so that its files land under $HOME and nowhere in a folder named ``~`` of
the working folder; a grid's plan and its runs' command lines name the same folder (before, the plan went
to ./~/gx and the runs, whose train expanded it, to $HOME/gx: the grid split in two)."""

import json
import pathlib

import pytest

from minitransfer import demo, experiment, report, scheduler
from minitransfer.grid_options import ALL_CLASSES
from minitransfer.data import synthetic
from minitransfer.evaluate import evaluate_checkpoint
from minitransfer.home_paths import expanded
from minitransfer.train import TrainConfig, train

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


def test_the_demo_trains_where_the_home_folder_is(home, monkeypatch):
    given = {}

    def grid(runs, out, options, **kwargs):
        given.update(out=out, data=options["data"])
        return "outcome"

    monkeypatch.setattr(demo, "run_grid", grid)
    assert demo.run_demo("~/demo", "~/micro") == "outcome"
    assert given == {"out": str(home / "demo"), "data": str(home / "micro")}
