"""submit.sh's one Python (slurm_finished.edited_check) and a result.json of 0.11.3 (its digest of itself, but no
``eval_csv_sums``) beside an eval.csv whose last row, or best, was edited: report refuses the run (its final, best or
mean of the 10 best top-1 no longer train's summary of the rows: result_checks.check_against_curve) and a local grid
counts it unfinished, but submit.sh asked only for the sums, which such a result has none of: it counted the run
finished. And the program is built when the scripts are written, not when slurm_finished is imported (experiment
--dry-run imports it): an install without its .py source imported it with an OSError traceback; now the scripts are
written, and submit.sh says what it did not check."""

import json
import subprocess
import sys

import pytest
import test_slurm
from test_finished66_edited_rows import ROWS, finish_with_rows
from test_slurm import submit_grid, submitted_runs
from test_slurm_damaged_result import finished_grid, named

from minitransfer import experiment as grid
from minitransfer import grid_status, results, slurm_finished
from minitransfer.result_checks import ResultContradicted, check_against_curve

fake_slurm = test_slurm.fake_slurm  # the fixture

HEADER = "iteration,top1,top5,loss\n"
LINES = [",".join(repr(row[key]) for key in row) for row in ROWS]  # 3 rows: top-1 0.25, 0.5, 0.375
# eval.csv's text, each beside a 0.11.3 result.json of ROWS (final 0.375, best 0.5, mean10 0.375): whether report
# refuses it, written out (the oracle, with check_against_curve's own answer)
TEXTS = {"as written": (HEADER + "\n".join(LINES) + "\n", False),
         "7 digits": (HEADER + "\n".join(LINES).replace("1.6569705009460449", "1.65697") + "\n", False),
         "its last top1": (HEADER + "\n".join(LINES[:2] + ["3,0.75,1.0,1.180278480052948"]) + "\n", True),
         "a middle top1 above the best": (HEADER + "\n".join(LINES).replace("2,0.5,", "2,0.625,") + "\n", True),
         "its first top1 (the mean10)": (HEADER + "\n".join(LINES).replace("1,0.25,", "1,0.125,") + "\n", True),
         "a middle top5": (HEADER + "\n".join(LINES).replace("2,0.5,1.0,", "2,0.5,0.75,") + "\n", False),
         "a row dropped": (HEADER + "\n".join(LINES[:2]) + "\n", False)}


def _asked(paths):
    """The indices of ``paths`` (result.json files) submit.sh's Python says are not as train wrote them."""
    done = subprocess.run([sys.executable, "-I", "-c", slurm_finished.edited_check()], capture_output=True,
                          check=True, input=b"".join(bytes(path) + b"\0" for path in paths), timeout=60)
    return [number in map(int, done.stdout.split()) for number in range(len(paths))]


def _refused(path):
    try:
        check_against_curve(path, json.loads(path.read_text()), path.with_name("eval.csv"))
    except ResultContradicted:
        return True
    return False


def test_the_check_tells_a_summary_report_refuses_beside_a_result_without_sums(tmp_path):
    paths = []
    for number, (text, _) in enumerate(TEXTS.values()):
        finish_with_rows(tmp_path / str(number), sums=False)
        (tmp_path / str(number) / "eval.csv").write_text(text)
        paths.append(tmp_path / str(number) / "result.json")
    expected = [refused for _, refused in TEXTS.values()]
    assert [_refused(path) for path in paths] == expected  # report, as the oracle says
    assert _asked(paths) == expected


def test_a_result_without_sums_and_its_last_row_edited_is_submitted(tmp_path, fake_slurm):
    runs, out, scripts, submit = finished_grid(tmp_path)
    folder = out / "random0/B1B.run"
    finish_with_rows(folder, sums=False)
    (folder / "eval.csv").write_text(TEXTS["its last top1"][0])
    (folder / grid.CHECKPOINT_FILE).write_text("checkpoint")
    with pytest.raises(ResultContradicted, match="final top1 is 0.375, but .*last evaluation .* says 0.75"):
        results.read_run(folder)
    assert grid_status.run_status(out, named(runs, "random0/B1B")).kind != grid_status.DONE
    done = submit_grid(submit)
    assert done.returncode == 0, done.stdout + done.stderr
    assert submitted_runs(fake_slurm, scripts) == [["random0/B1B"]], done.stdout


# ---- the program built when the scripts are written, the source there to read or not ----------------------------

NO_SOURCE = ("import inspect\n"
             "def getsource(what):\n"
             "    raise OSError('could not get source code')\n"
             "inspect.getsource = getsource\n"
             "import minitransfer.slurm_finished\n"
             "print('imported')\n")


def test_slurm_finished_imports_without_the_package_source():
    done = subprocess.run([sys.executable, "-c", NO_SOURCE], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, "imported\n", "")


def test_without_the_package_source_the_scripts_are_written_and_submit_sh_says_what_it_did_not_check(
        tmp_path, fake_slurm, monkeypatch):
    def getsource(what):
        raise OSError("could not get source code")

    monkeypatch.setattr(slurm_finished.inspect, "getsource", getsource)
    runs, out, scripts, submit = finished_grid(tmp_path)
    result = out / "random0/A1B.run" / "result.json"
    result.write_text(json.dumps({**json.loads(result.read_text()), "best_top1": 0.75}))  # edited: its digest kept
    done = submit_grid(submit)
    assert done.returncode == 0, done.stdout + done.stderr
    assert sbatch_free(fake_slurm)
    assert ("note: whether the result.json and eval.csv of the finished runs are as train wrote them was not checked "
            "(minitransfer's .py source, which that check is read from, could not be read when these scripts were "
            "written: install it with its source, then emit them again): one edited since counts finished here, "
            "though report refuses it") in done.stderr.splitlines(), done.stderr


def sbatch_free(fake_slurm):
    """Nothing submitted: every run counted finished by its shape."""
    return not (fake_slurm / "sbatch").exists()
