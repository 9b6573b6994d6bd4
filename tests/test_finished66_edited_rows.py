"""A finished run whose eval.csv rows were edited since train wrote them (its result.json intact, its own digest
good, but the sums it records of the rows it sums up no longer theirs: ``eval_csv_sums``), which report refuses
(exit 65), is not finished to a grid either, nor to SLURM's submit.sh: each treats it as a run whose result.json was
edited (its checkpoint there: not resumable, its train refusing to write a result over the edited rows, exit 65;
gone: its result lost, not trained, exit 65). Before, the grid and submit.sh counted it finished ("all 4 runs are
finished"), and the user learnt of it only from report's refusal at the end."""

import builtins
import dis
import json
import os
import shutil
import subprocess
import sys
import types

import pytest
from click.testing import CliRunner
from fake_results import finished_result
import test_slurm
from test_integ2_curve_digest import _edit_row
from test_slurm import submit_grid, submitted_runs
from test_slurm_damaged_result import assert_lost_alone, finished_grid, named

from minitransfer import experiment as grid
from minitransfer import grid_status, results, scheduler, slurm_finished
from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.result_checks import ResultContradicted, check_against_curve
from minitransfer.result_digests import CURVE_SUMS, RESULT_SHA256, curve_sums, result_sha256
from minitransfer.resumed_logs import RunLogError

fake_slurm = test_slurm.fake_slurm  # the fixture


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A grid trained for real (layer 1, no fine-tuning), every run finished with 4 evaluations: (its folder, its
    runs, its options); tests work on copies."""
    from minitransfer.data import synthetic

    root = tmp_path_factory.mktemp("trained")
    data, out = root / "data", root / "grid"
    synthetic.build_synthetic(data, classes=4, train_per_class=8, val_per_class=4, size=14, seed=1)
    runs = grid.plan_grid(layers=(1,), fine_tuned=False)
    options = {"data": str(data.resolve()), "max_iter": 4, "eval_every": 1, "seed": 0, "device": "cpu"}
    assert scheduler.run_grid(runs, out, options, log=lambda line: None, poll_seconds=0.01).exit_code == 0
    return out, runs, options


def _copy(trained, tmp_path, edit, checkpoint):
    """A copy of the trained grid, baseB's files edited by ``edit`` (its run folder), its checkpoint kept or not."""
    source, runs, options = trained
    place = shutil.copytree(source, tmp_path / "grid")
    folder = place / "random0" / "baseB.run"
    edit(folder)
    if not checkpoint:
        (folder / grid.CHECKPOINT_FILE).unlink()
    return place, folder, next(run for run in runs if run.name == "random0/baseB"), options


def _rows_edited(folder):
    _edit_row(folder / "eval.csv", 2, 2, "0.25")  # the 2nd of 4 evaluations' top-5: no final, best or mean10 changed


def _result_edited(folder):
    record = json.loads((folder / "result.json").read_text())
    (folder / "result.json").write_text(json.dumps({**record, "seconds": 123.0}, indent=2) + "\n")


def _experiment(place, options, *more):
    return CliRunner().invoke(main, ["experiment", "--data", options["data"], "-o", str(place), "--layers", "1",
                                     "--no-fine-tuned", "--max-iter", "4", "--eval-every", "1", "--device", "cpu",
                                     *more])


def _line_of(output, name):
    return next(line for line in output.splitlines() if line.startswith("  [") and f"] {name}" in line)


def _refusal(folder):
    """report's refusal of the run in ``folder``: the oracle of what the grid says of it."""
    with pytest.raises(ResultContradicted) as refused:
        results.read_run(folder)
    return str(refused.value)


@pytest.mark.parametrize("edit", [_rows_edited, _result_edited], ids=["eval.csv", "result.json"])
def test_without_its_checkpoint_the_run_is_lost_and_not_trained(trained, tmp_path, edit):
    place, folder, base, options = _copy(trained, tmp_path, edit, checkpoint=False)
    assert grid_status.run_status(place, base) == grid_status.RESULT_LOST
    dry = _experiment(place, options, "--dry-run")
    assert dry.exit_code == 0, dry.output
    line = _line_of(dry.output, "random0/baseB")
    assert line.startswith("  [result.json unreadable, no checkpoint] random0/baseB  (not trained: "), line
    if edit is _rows_edited:
        assert f"cannot be read ({_refusal(folder)}) and its checkpoint" in line, line
    assert "4 runs in 1 folder (random0 4): 3 finished, 0 to train, 1 finished whose result.json is lost (not " \
           "trained)" in dry.output.splitlines(), dry.output
    files = {name: (folder / name).read_bytes() for name in ("eval.csv", "result.json")}
    done = _experiment(place, options)
    assert done.exit_code == 65, done.output
    assert f"note: not trained: {grid_status.result_lost(place, base)}" in done.output.splitlines(), done.output
    assert {name: (folder / name).read_bytes() for name in files} == files


def test_with_its_checkpoint_the_run_is_not_resumable_and_its_train_refuses_it(trained, tmp_path):
    """As a run whose result.json and eval.csv were both edited: its train, which said it "already finished"
    (exit 0), refuses to write a result over the edited rows (exit 65), writing nothing."""
    place, folder, base, options = _copy(trained, tmp_path, _rows_edited, checkpoint=True)
    refused = (f"{folder / 'eval.csv'}: its 4 evaluations up to iteration 4 are not those {folder / 'result.json'} "
               f"sums up (their top5 values sum to ")
    assert grid_status.run_status(place, base).kind == grid_status.NOT_RESUMABLE
    dry = _experiment(place, options, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert _line_of(dry.output, "random0/baseB").startswith(f"  [not resumable: {refused}"), dry.output
    assert "4 runs in 1 folder (random0 4): 3 finished, 1 to train" in dry.output.splitlines(), dry.output
    files = {path: path.read_bytes() for path in (folder / "eval.csv", folder / "result.json",
                                                   place / "random0" / "baseB.h5")}
    done = _experiment(place, options)
    assert done.exit_code == 65, done.output
    assert "FAILED random0/baseB (exit 65)" in done.output, done.output
    assert {path: path.read_bytes() for path in files} == files
    with pytest.raises(RunLogError) as error:  # train alone too: "already finished" before
        training.train(training.TrainConfig(**grid.run_fields(base, place, options), resume="auto", quiet=True))
    assert str(error.value).startswith(refused) and "edited since train wrote them, and a result written again" \
        in str(error.value), error.value


def test_rows_saved_again_as_they_were_are_finished(trained, tmp_path):
    """eval.csv saved again quoted, its columns reordered, by a spreadsheet (CRLF): the same rows."""
    def saved_again(folder):
        lines = [line.split(",") for line in (folder / "eval.csv").read_text().splitlines()]
        (folder / "eval.csv").write_text("".join(",".join(f'"{field}"' for field in line[::-1]) + "\r\n"
                                                 for line in lines))

    place, folder, base, options = _copy(trained, tmp_path, saved_again, checkpoint=False)
    assert results.read_run(folder).evaluations == 4  # report reads it
    assert grid_status.run_status(place, base) == grid_status.DONE
    dry = _experiment(place, options, "--dry-run")
    assert "4 runs in 1 folder (random0 4): 4 finished, 0 to train" in dry.output.splitlines(), dry.output


# ---- SLURM's submit.sh: its one Python tells edited rows too ---------------------------------------------------

ROWS = [{"iteration": 1, "top1": 0.25, "top5": 0.75, "loss": 1.6569705009460449},
        {"iteration": 2, "top1": 0.5, "top5": 1.0, "loss": 1.2568958759307861},
        {"iteration": 3, "top1": 0.375, "top5": 1.0, "loss": 1.180278480052948}]


def finish_with_rows(folder, rows=ROWS, sums=True):
    """The run ``folder`` finished as train leaves it with eval.csv ``rows``: its result.json sums them up, and
    records their sums (unless not ``sums``: written before 0.11.4)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "eval.csv").write_text("iteration,top1,top5,loss\n" + "".join(
        f"{row['iteration']!r},{row['top1']!r},{row['top5']!r},{row['loss']!r}\n" for row in rows))
    record = finished_result(top1=0.375, best=0.5, mean10=0.375, evaluations=3, iterations=3)
    record["final"] = {**rows[-1]}
    record.pop(RESULT_SHA256)
    record[CURVE_SUMS] = curve_sums(rows)
    if not sums:
        record.pop(CURVE_SUMS)
    (folder / "result.json").write_text(json.dumps({**record, RESULT_SHA256: result_sha256(record)}, indent=2))


@pytest.mark.parametrize("name", ["random0/B1B", "random0/baseA"], ids=["transfer", "base"])
def test_edited_rows_with_a_checkpoint_are_submitted(tmp_path, fake_slurm, name):
    assert_submitted_once_edited(tmp_path, fake_slurm, name, lambda eval_csv: _edit_row(eval_csv, 2, 3, "1.25"))


def assert_submitted_once_edited(tmp_path, fake_slurm, name, edit):
    """The run ``name`` of a grid finished with :data:`ROWS`, its eval.csv changed by ``edit`` and its checkpoint
    kept: not done for a local grid, and the one run submit.sh submits."""
    runs, out, scripts, submit = finished_grid(tmp_path)
    finish_with_rows(out / f"{name}.run")
    assert grid_status.is_finished(out, named(runs, name))  # as written
    edit(out / f"{name}.run" / "eval.csv")
    (out / f"{name}.run" / grid.CHECKPOINT_FILE).write_text("checkpoint")
    assert grid_status.run_status(out, named(runs, name)).kind != grid_status.DONE  # as a local grid takes it
    done = submit_grid(submit)
    assert done.returncode == 0, done.stdout + done.stderr
    assert submitted_runs(fake_slurm, scripts) == [[name]], done.stdout


def test_edited_rows_without_a_checkpoint_are_lost(tmp_path, fake_slurm):
    runs, out, scripts, submit = finished_grid(tmp_path)
    finish_with_rows(out / "random0/A1B.run")
    lines = (out / "random0/A1B.run" / "eval.csv").read_text().splitlines()
    (out / "random0/A1B.run" / "eval.csv").write_text("\n".join(lines[:2] + lines[3:]) + "\n")  # a row dropped
    assert_lost_alone(tmp_path, fake_slurm, runs, out, scripts, submit)


def _variants(folder):
    """eval.csv beside a result.json of :data:`ROWS` changed in each way that report reads as the same rows or
    as edited (or cannot read: left out, not refused), one folder each; their paths."""
    lines = ["iteration,top1,top5,loss"] + [",".join(repr(row[key]) for key in row) for row in ROWS]
    texts = {"as written": "\n".join(lines) + "\n",
             "quoted, reordered, CRLF": "".join(",".join(f'"{field}"' for field in line.split(",")[::-1]) + "\r\n"
                                                for line in lines),
             "7 digits": "\n".join(lines[:1] + [",".join(f"{float(field):.7g}" if "." in field else field
                                                          for field in line.split(",")) for line in lines[1:]]) + "\n",
             "a row after its last": "\n".join(lines) + "\n4,0.25,1.0,1.0\n",
             "torn last row": "\n".join(lines) + "\n4,0.2",
             "cut short": "\n".join(lines[:3]) + "\n",
             "a middle top5": "\n".join(lines).replace("2,0.5,1.0,", "2,0.5,0.75,") + "\n",
             "a loss in its 6th digit": "\n".join(lines).replace("1.25689", "1.25690") + "\n",
             "a middle row dropped": "\n".join(lines[:2] + lines[3:]) + "\n",
             "rows swapped": "\n".join(lines[:1] + lines[2:3] + lines[1:2] + lines[3:]) + "\n"}
    paths = []
    for number, (how, text) in enumerate(texts.items()):
        finish_with_rows(folder / str(number))
        (folder / str(number) / "eval.csv").write_text(text)
        paths.append(folder / str(number) / "result.json")
    older = folder / "older"  # no sums recorded: read as before
    finish_with_rows(older, sums=False)
    (older / "eval.csv").write_text(texts["a middle top5"])
    for how in ("gone", "a folder", "a named pipe"):
        finish_with_rows(folder / how)
        (folder / how / "eval.csv").unlink()
        if how == "a folder":
            (folder / how / "eval.csv").mkdir()
        elif how == "a named pipe":
            os.mkfifo(folder / how / "eval.csv")  # read for ever where read: never opened
    return list(texts), paths + [older / "result.json"] + [folder / how / "result.json"
                                                          for how in ("gone", "a folder", "a named pipe")]


def test_the_check_submit_sh_runs_tells_the_rows_report_refuses(tmp_path):
    hows, paths = _variants(tmp_path)
    done = subprocess.run([sys.executable, "-I", "-c", slurm_finished.edited_check()], capture_output=True, check=True,
                          input=b"".join(bytes(path) + b"\0" for path in paths), timeout=60)
    said = [number in map(int, done.stdout.split()) for number in range(len(paths))]

    def refused(path):  # as report reads the run
        try:
            check_against_curve(path, json.loads(path.read_text()), path.with_name("eval.csv"))
        except ResultContradicted:
            return True
        except results.UnreadableRun:
            return False
        return False

    assert said == [refused(path) for path in paths]
    assert dict(zip(hows, said)) == {"as written": False, "quoted, reordered, CRLF": False, "7 digits": False,
                                     "a row after its last": False, "torn last row": False, "cut short": False,
                                     "a middle top5": True, "a loss in its 6th digit": True,
                                     "a middle row dropped": True, "rows swapped": True}
    assert said[len(hows):] == [False] * 4  # older, gone, a folder, a named pipe


def test_every_name_the_check_uses_is_defined_in_it():
    """The check is the package's functions' source (slurm_finished.DIGEST_FUNCTIONS): one that calls a helper, or
    reads a constant, not listed with them would fail in submit.sh (said, the runs counted by their shape)."""
    namespace = {}
    exec(slurm_finished.edited_check().split("\nfor index, path in")[0], namespace)  # a default not defined fails

    def loaded(code):  # the global names a function's code (and the code nested in it) loads
        names = {step.argval for step in dis.get_instructions(code) if step.opname == "LOAD_GLOBAL"}
        return names.union(*(loaded(inner) for inner in code.co_consts if isinstance(inner, types.CodeType)))

    functions = [namespace[function.__name__] for function in slurm_finished.DIGEST_FUNCTIONS] + [namespace["edited"]]
    used = set().union(*(loaded(function.__code__) for function in functions))
    assert used - set(namespace) - set(dir(builtins)) == set()
    assert {"rows_resummed", "read_eval_rows", "result_edited", "SUM_SLACK", "summary_differs", "SUMMARY_SLACK"} <= used
