"""A finished run whose eval.csv was edited since train wrote it, which report refuses (exit 65), is refused by
train --resume auto too, exit 65, naming eval.csv and what differs, with how to recover (restore the files train
wrote, or start over with --overwrite), writing nothing:
- finished by 0.11.3 (result.json, its weights file and checkpoint record no sums of the rows) and eval.csv's last
  row edited: train said "already finished; nothing to do", exit 0, which a grid asked again on every run; finished
  again instead, it would write result.json anew from the edited rows, as its checkpoint records nothing to tell;
- finished by 0.11.4 (result.json records the sums), a middle row edited and its checkpoint deleted: train said
  "baseA.h5 exists but there is nothing to resume from", exit 2, not what was edited."""

import json
import shutil

import h5py
import pytest
from click.testing import CliRunner
import test_finished66_edited_rows
from test_integ2_curve_digest import _edit, _edit_row, trained_run

from minitransfer.cli import main
from minitransfer.result_digests import CURVE_SUMS, RESULT_SHA256, result_sha256

grid_trained = test_finished66_edited_rows.trained  # the fixture: a grid of 4 runs trained, each finished

RECOVER_SAID = "start the run over (--overwrite), or restore the file"  # on the command line


@pytest.fixture(scope="module")
def trained(tmp_path_factory, micro_data):
    """baseA trained to its end, 4 iterations, an evaluation after each: its folder."""
    return trained_run(tmp_path_factory, micro_data, 4)


def _train(folder, micro_data):
    return CliRunner().invoke(main, ["train", "--data", str(micro_data), "-o", str(folder / "baseA.h5"), "--max-iter",
                                     "4", "--resume", "auto", "--half", "A", "--seed", "0", "--eval-every", "1",
                                     "--batch-size", "4", "--preset", "micro", "--device", "cpu"])


def _files(folder):
    return {path: path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def _as_0_11_3(folder, name="baseA"):
    """The run ``name`` in ``folder`` as 0.11.3 finished it: no sums of eval.csv's rows in result.json, its weights
    file or its checkpoint."""
    _edit(folder / f"{name}.run" / "result.json",
          lambda record: (record.pop(CURVE_SUMS), record.update({RESULT_SHA256: result_sha256(record)})))
    for path in (folder / f"{name}.h5", folder / f"{name}.run" / "checkpoint.h5"):
        with h5py.File(path, "r+") as saved:
            del saved.attrs[CURVE_SUMS]


def test_a_0_11_3_run_whose_last_row_was_edited_is_refused(trained, tmp_path, micro_data):
    folder = shutil.copytree(trained, tmp_path / "runs")
    _as_0_11_3(folder)
    eval_csv = folder / "baseA.run" / "eval.csv"
    final = json.loads((folder / "baseA.run" / "result.json").read_text())["final"]["top1"]
    _edit_row(eval_csv, 4, 1, "0.875" if final != 0.875 else "0.125")
    edited = float(eval_csv.read_text().splitlines()[4].split(",")[1])
    files = _files(folder)
    done = _train(folder, micro_data)
    assert done.exit_code == 65, done.output
    assert "already finished" not in done.output
    said = " ".join(done.output.split())
    assert f"error: bad data: {eval_csv}: its rows are not those {eval_csv.with_name('result.json')} sums up (final " \
           f"top1 is {final!r}, but {eval_csv}'s last evaluation (iteration 4) says {edited!r})" in said, said
    assert RECOVER_SAID in said, said
    assert _files(folder) == files


def test_a_run_whose_middle_row_was_edited_and_checkpoint_deleted_says_so(trained, tmp_path, micro_data):
    folder = shutil.copytree(trained, tmp_path / "runs")
    eval_csv = folder / "baseA.run" / "eval.csv"
    _edit_row(eval_csv, 2, 2, "0.25")  # the 2nd of 4 evaluations' top-5: no final, best or mean10 changed
    (folder / "baseA.run" / "checkpoint.h5").unlink()
    files = _files(folder)
    done = _train(folder, micro_data)
    assert done.exit_code == 65, done.output
    said = " ".join(done.output.split())
    assert f"error: bad data: {eval_csv}: its 4 evaluations up to iteration 4 are not those " \
           f"{eval_csv.with_name('result.json')} sums up (their top5 values sum to " in said, said
    assert "nothing to resume from" not in said and RECOVER_SAID in said, said
    assert _files(folder) == files


def _experiment(place, options, *more):
    return CliRunner().invoke(main, ["experiment", "--data", options["data"], "-o", str(place), "--layers", "1",
                                     "--no-fine-tuned", "--max-iter", "4", "--eval-every", "1", "--device", "cpu",
                                     *more])


def test_a_grid_fails_such_a_run_once_saying_why(grid_trained, tmp_path):
    """Its grid's dry run says it not resumable, why, as info would; a grid's run of it fails once (exit 65, its
    train's refusal said), the grid exits 65, and a grid run again does the same: it is not said finished, nor
    "result.json written again from its checkpoint" (it was not), nor tried again in a loop."""
    source, runs, options = grid_trained
    place = shutil.copytree(source, tmp_path / "grid")
    folder = place / "random0" / "baseB.run"
    _as_0_11_3(place / "random0", "baseB")
    eval_csv = folder / "eval.csv"
    final = json.loads((folder / "result.json").read_text())["final"]["top1"]
    _edit_row(eval_csv, 4, 1, "0.875" if final != 0.875 else "0.125")
    files = _files(folder)
    dry = _experiment(place, options, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert f"  [not resumable: {eval_csv}: its rows are not those {folder / 'result.json'} sums up (final top1 is " \
        f"{final!r}" in dry.output, dry.output
    for _ in range(2):
        done = _experiment(place, options)
        assert done.exit_code == 65, done.output
        assert "again from its checkpoint" not in done.output, done.output  # not "result.json written again"
        assert done.output.count("FAILED random0/baseB (exit 65)") == 1, done.output
        assert f"{eval_csv}: its rows are not those {folder / 'result.json'} sums up (final top1 is" in \
            " ".join(done.output.split()), done.output
        assert _files(folder) == {**files, folder / "train.log": (folder / "train.log").read_bytes()}


# ---- resume_options.py at the size limit (401 lines): split along its seam ------------------------------------------

def test_resume_options_is_split_under_the_size_limit():
    """What a resumption reads before it resumes (the run's record, its dataset gone) is resumed_records.py's, which
    resume_options takes its three names from: both modules under STYLE.md's ~400 lines."""
    from minitransfer import resume_options, resumed_records

    for module in (resume_options, resumed_records):
        with open(module.__file__, encoding="utf-8") as source:
            assert len(source.read().splitlines()) <= 400, module.__name__
    for name in ("finished_record", "gone_refusal", "run_record"):
        assert getattr(resume_options, name) is getattr(resumed_records, name)
