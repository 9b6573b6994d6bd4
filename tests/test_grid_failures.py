"""What a grid says at its end about the runs that failed: once per cause (a full disk, bad data,
options refused, a signal, a run folder deleted while it trained), with what to do, and the exit
code it passes on where every failure is of one kind. The runs are a fake ``train`` that ends as
``FAKE_ENDS`` says: ``baseA=74,baseB=kill,...`` by its weights' name (a number: that exit code;
``kill``: SIGKILL; ``deleted``: its run folder removed, then exit 74; ``fills``: it finishes, then fills
the disk of ``FAKE_FILL`` (a folder) with files; else it finishes)."""

import functools
import sys
import textwrap

import pytest
from click.testing import CliRunner
from fake_results import FINISHED_JSON

from minitransfer import experiment as grid
from minitransfer import config_wording, grid_plan_text, scheduler
from minitransfer.grid_outcome import Failure, GridOutcome

FAKE_TRAIN = textwrap.dedent('''
    import json, os, pathlib, shutil, signal, sys
    args = sys.argv[1:]
    weights = pathlib.Path(args[args.index("--out") + 1])
    folder = weights.with_name(weights.stem + ".run")
    how = dict(pair.split("=") for pair in os.environ["FAKE_ENDS"].split(",")).get(weights.stem)
    if how == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    if how == "deleted":
        shutil.rmtree(folder)
        sys.exit(74)
    if how not in (None, "fills"):
        print(f"error: cannot write {weights}: No space left on device" if how == "74" else "error: it failed")
        sys.exit(int(how))
    weights.write_text("weights")
    (folder / "result.json").write_text(FINISHED_JSON)  # as train writes it
    if how == "fills":
        fillers = pathlib.Path(os.environ["FAKE_FILL"])
        try:
            while True:
                (fillers / f"filler-{len(os.listdir(fillers))}").write_bytes(b"x" * 4096)
        except OSError:
            pass
''').replace("FINISHED_JSON", FINISHED_JSON)
OPTIONS = {"data": "/data/synthetic", "preset": "mini", "max_iter": 20, "seed": 3, "device": "cpu"}
RUNS = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)  # random0/baseA, random0/baseB, random0/A1B
FREE_SPACE = ("an I/O error (exit 74): the disk is full, or a file cannot be written or read, which {their} train.log "
              "({eg}{log}) names; free space or fix the permissions, then rerun the same command")
# the same advice as GridOutcome.causes returns it to a library caller, who repeats a call, not a command
CALLED_FREE_SPACE = FREE_SPACE.replace("rerun the same command", "repeat the same call")


def full_disk_quote(out, *bases):
    """What the grid's end quotes of the fake train's error lines for ``bases`` that failed with exit 74."""
    quotes = [f'random0/{base}: "error: cannot write {out / "random0" / base}.h5: No space left on device"'
              for base in bases]
    return f" ({'; '.join(quotes)})"


@pytest.fixture
def fake_train(tmp_path):
    path = tmp_path / "fake_train.py"
    path.write_text(FAKE_TRAIN)
    return [sys.executable, str(path)]


def _grid(out, fake_train, monkeypatch, ends, runs=RUNS):
    monkeypatch.setenv("FAKE_ENDS", ends)
    lines = []
    outcome = scheduler.run_grid(runs, out, OPTIONS, train_command=fake_train, log=lines.append, poll_seconds=0.01)
    return outcome, lines


def test_runs_that_all_failed_on_a_full_disk_are_told_once_with_the_remedy_and_the_grid_exits_74(
        tmp_path, fake_train, monkeypatch):
    """88 networks failing on a full disk ended the demo with exit 1 and 88 "see train.log"
    pointers; the grid kept no run's exit code, so nothing could say "the disk is full" once."""
    out = tmp_path / "grid"
    outcome, lines = _grid(out, fake_train, monkeypatch, "baseA=74,baseB=74")
    assert outcome.failed == ["random0/baseA", "random0/baseB"] and outcome.blocked == ["random0/A1B"]
    assert outcome.exit_code == 74
    log = out / "random0" / "baseA.run" / "train.log"
    assert outcome.causes() == ["random0/baseA, random0/baseB: "
                                + CALLED_FREE_SPACE.format(their="their", eg="e.g. ", log=log)
                                + full_disk_quote(out, "baseA", "baseB")]
    assert sum(line.startswith("FAILED") for line in lines) == 2  # each as it ends, as before


def test_failures_of_several_causes_are_grouped_by_cause_and_the_grid_exits_1(tmp_path, fake_train, monkeypatch):
    out = tmp_path / "grid"
    runs = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False, random_seeds=(0, 1, 2))
    outcome, _ = _grid(out, fake_train, monkeypatch, "baseA=65,baseB=kill", runs)
    assert outcome.exit_code == 1
    assert sorted(outcome.killed) == ["random0/baseB", "random1/baseB", "random2/baseB"]
    log = out / "random0" / "baseA.run" / "train.log"
    assert sorted(outcome.causes()) == [
        f"random0/baseA, random1/baseA, random2/baseA: bad data (exit 65): a dataset, checkpoint or weights file is "
        f"damaged or does not fit, which their train.log (e.g. {log}) names; fix or replace it, then repeat the same "
        f'call (random0/baseA, random1/baseA, random2/baseA: "error: it failed")',
        "random0/baseB, random1/baseB, random2/baseB: killed by SIGKILL, which leaves no message (SIGKILL: the machine "
        "ran out of memory, or someone killed them); repeat the same call"
        " to resume them from their last checkpoint, if they wrote one, or else to train them from the start"]


def test_a_run_whose_folder_was_deleted_while_it_trained_is_a_cause_of_its_own(tmp_path, fake_train, monkeypatch):
    """rm -r of a run folder while it trained (its train exits 74, its log gone with the folder):
    the grouped lines must not send that run to its log, nor tell it to free space."""
    out = tmp_path / "grid"
    outcome, lines = _grid(out, fake_train, monkeypatch, "baseA=deleted,baseB=74")
    assert outcome.exit_code == 74
    assert outcome.causes() == [
        "random0/baseA: its run folder was deleted while it trained, and its train.log with it; a rerun trains it "
        "from the start",
        "random0/baseB: "
        + CALLED_FREE_SPACE.format(their="its", eg="", log=out / "random0" / "baseB.run" / "train.log")
        + full_disk_quote(out, "baseB")]
    assert f"FAILED random0/baseA (exit 74); {out / 'random0' / 'baseA.run'} was deleted while it trained" in \
        "\n".join(lines)


def test_the_causes_quote_an_error_line_once_for_the_runs_that_ended_on_it(tmp_path, fake_train, monkeypatch):
    """The grid's end pointed at one train.log ("e.g. ..."), which a person had to open to read why the runs failed:
    the error line the runs ended on is quoted, once for all the runs that ended on it (before, once per run, the
    first three of a cause, the others counted: the same line three times)."""
    out = tmp_path / "grid"
    runs = [run for run in grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False, random_seeds=range(5))
            if run.name.endswith("baseA")]
    outcome, _ = _grid(out, fake_train, monkeypatch, "baseA=65", runs)
    assert len(outcome.failed) == 5
    [cause] = outcome.causes()
    assert cause.endswith(' (random0/baseA, random1/baseA, random2/baseA and 2 more: "error: it failed")'), cause


def test_failed_runs_are_told_in_the_order_the_report_lists_them():
    """The grid's summary listed its failed runs alphabetically (random10 before random2, a split's
    transfers before its bases), while the report lists every run by :func:`run_labels.name_order`."""
    ended = ["random10/baseB", "random2/A1B+", "random2/A1B", "random2/baseB"]  # as they failed
    failures = {name: Failure(-9 if name.endswith("+") else 65) for name in ended}
    outcome = GridOutcome([], [], ended, {}, failures=failures)
    assert [cause.split(": ")[0] for cause in outcome.causes()] == [
        "random2/baseB, random2/A1B, random10/baseB", "random2/A1B+"]


@pytest.mark.parametrize("codes, exit_code", [
    ((74, 74), 74), ((65,), 65), ((74, 65), 1), ((2, 2), 1), ((1,), 1), ((-9, -9), 1), ((74, -9), 1), ((), 0),
], ids=["io", "bad-data", "io-and-bad-data", "usage", "failed", "killed", "io-and-killed", "none"])
def test_the_grid_passes_on_an_io_or_bad_data_exit_code_that_every_failed_run_shares(codes, exit_code):
    """Exit 2 stays the grid's own refusal before anything runs: runs that exited 2 make it exit 1."""
    names = [f"random{index}/baseA" for index in range(len(codes))]
    outcome = GridOutcome([], [], names, {}, failures={name: Failure(code) for name, code in zip(names, codes)})
    assert outcome.exit_code == exit_code
    assert GridOutcome([], [], names, {}, interrupted=True, failures=outcome.failures).exit_code == 75


def test_the_experiment_command_ends_with_the_causes_and_their_exit_code(micro_data, tmp_path, fake_train,
                                                                         monkeypatch):
    from minitransfer.cli import main

    monkeypatch.setattr(scheduler, "run_grid", functools.partial(scheduler.run_grid, train_command=fake_train))
    monkeypatch.setenv("FAKE_ENDS", "baseA=74,baseB=74")
    out = tmp_path / "grid"
    result = CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", str(out), "--layers", "1",
                                       "--no-fine-tuned", "--max-iter", "4", "--device", "cpu"])
    assert result.exit_code == 74, result.output
    log = out / "random0" / "baseA.run" / "train.log"
    assert "\nthe runs that failed, by cause:\n  random0/baseA, random0/baseB: " + \
        FREE_SPACE.format(their="their", eg="e.g. ", log=log) + full_disk_quote(out, "baseA", "baseB") + \
        "\nrandom0/B1B, random0/A1B: not run, as random0/baseA, " \
        "random0/baseB, which they copy from, did not finish (a rerun trains them after those)" \
        "\n0 trained, 0 already done, 2 failed, " in result.output


def test_the_help_of_experiment_and_demo_documents_the_exit_codes_passed_on():
    from minitransfer.cli import main

    for command in ("experiment", "demo"):
        text = " ".join(CliRunner().invoke(main, [command, "--help"], terminal_width=200).output.split())
        assert "74: every run that failed met an I/O error" in text.replace("network", "run"), text
        assert "65: every run that failed met bad data" in text.replace("network", "run"), text



def test_a_rerun_tries_a_failed_base_again_with_its_transfers_and_says_so(tmp_path, fake_train, monkeypatch):
    """baseA failed for a reason of its own (its A1B not run): the rerun trains both, skips baseB, and
    says so (before: "1 of 3 runs already finished; 2 to run" alone); its dry run marks baseA."""
    out = tmp_path / "grid"
    outcome, _ = _grid(out, fake_train, monkeypatch, "baseA=1")
    assert outcome.failed == ["random0/baseA"] and outcome.blocked == ["random0/A1B"]
    plan = grid_plan_text.describe_plan(RUNS, out, OPTIONS, ["train"]).splitlines()
    failed = [line for line in plan if "last try failed" in line]
    assert len(failed) == 1 and failed[0].startswith("  [todo] random0/baseA  (its last try failed (") \
        and failed[0].endswith("): error: it failed)"), plan
    outcome, lines = _grid(out, fake_train, monkeypatch, "none=0")
    assert outcome.finished == ["random0/baseA", "random0/A1B"] and outcome.skipped == ["random0/baseB"]
    assert lines[:2] == ["1 of 3 runs already finished; 2 to run",
                         f"tried again: random0/baseA, which failed before (its train.log says why: "
                         f"{out}/random0/baseA.run/train.log); then random0/A1B, which waited for it"]


def test_the_causes_advise_a_library_caller_to_repeat_the_call_and_the_command_line_to_rerun_the_command():
    """GridOutcome.causes told a notebook "rerun the same command", a command it never ran."""
    from minitransfer.cli._errors import option_text

    outcome = GridOutcome([], [], ["random0/baseA"], {}, failures={"random0/baseA": Failure(-9)})
    called = ("random0/baseA: killed by SIGKILL, which leaves no message (SIGKILL: the machine ran out of memory, "
              "or someone killed it); {} to resume it from its last checkpoint, if it wrote one, or else to train it "
              "from the start")
    assert outcome.causes() == [called.format("repeat the same call")]
    with config_wording.fields_worded_by(option_text):  # as the command line words it
        assert outcome.causes() == [called.format("rerun the same command")]
