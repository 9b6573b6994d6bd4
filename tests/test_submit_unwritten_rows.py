"""submit.sh and a finished run whose eval.csv holds a line train never writes among the rows its result.json sums up
(the last row repeated, a top-1 made NaN: rows read as they were, their sums unchanged), which report and a local grid
refuse as edited (result_checks.unwritten_lines): submit.sh's one Python (slurm_finished.EDITED_MAIN, run with
`python -I`, no minitransfer imported) counted the run finished, so it was skipped, and report refused the grid at the
end. It now asks unwritten_lines too, inlined with the other functions it runs (slurm_finished.DIGEST_FUNCTIONS),
where result.json records the sums of its rows. Stand-ins for SLURM's commands (tests/test_slurm.py)."""

import pytest
import test_slurm
from test_finished66_edited_rows import ROWS, assert_submitted_once_edited, finish_with_rows
from test_slurm66_summary_check import _asked, _refused  # submit.sh's Python and report on the same result.json
from test_slurm_damaged_result import assert_lost_alone, finished_grid

fake_slurm = test_slurm.fake_slurm  # the fixture

LINES = ["iteration,top1,top5,loss"] + [",".join(repr(row[key]) for key in row) for row in ROWS]
TEXTS = {"as written": LINES,
         "the last row repeated": LINES + LINES[-1:],
         "a middle row repeated": LINES[:3] + LINES[2:],
         "a blank spreadsheet row": LINES[:2] + [",,,"] + LINES[2:],
         "a top-1 made NaN": LINES[:2] + [LINES[2].replace(",0.5,", ",nan,")] + LINES[3:],
         "a row after its last iteration": LINES + ["4,0.25,1.0,1.0"]}
# as report reads each: refused (a line train never writes among the rows it sums up) or not
REFUSED = {"as written": False, "the last row repeated": True, "a middle row repeated": True,
           "a blank spreadsheet row": False, "a top-1 made NaN": True, "a row after its last iteration": False}


def _variants(folder):
    """A run finished with :data:`ROWS` for each of :data:`TEXTS` as its eval.csv, then one whose result.json records
    no sums (written before 0.11.4: read as before) beside the last row repeated; their result.json paths."""
    paths = []
    for number, lines in enumerate([*TEXTS.values(), TEXTS["the last row repeated"]]):
        finish_with_rows(folder / str(number), sums=number < len(TEXTS))
        (folder / str(number) / "eval.csv").write_text("\n".join(lines) + "\n")
        paths.append(folder / str(number) / "result.json")
    return paths


def test_the_check_submit_sh_runs_refuses_a_line_train_never_writes_as_report_does(tmp_path):
    paths = _variants(tmp_path)
    said = _asked(paths)
    assert said == [_refused(path) for path in paths]
    assert dict(zip(TEXTS, said)) == REFUSED
    assert said[-1] is False  # no sums recorded: counted by the summary alone, as before


def _repeat_last_row(eval_csv):
    eval_csv.write_text(eval_csv.read_text() + eval_csv.read_text().splitlines()[-1] + "\n")


@pytest.mark.parametrize("name", ["random0/B1B", "random0/baseA"], ids=["transfer", "base"])
def test_a_repeated_last_row_with_a_checkpoint_is_submitted(tmp_path, fake_slurm, name):
    assert_submitted_once_edited(tmp_path, fake_slurm, name, _repeat_last_row)


def test_a_repeated_last_row_without_a_checkpoint_is_lost(tmp_path, fake_slurm):
    runs, out, scripts, submit = finished_grid(tmp_path)
    finish_with_rows(out / "random0/A1B.run")
    _repeat_last_row(out / "random0/A1B.run" / "eval.csv")
    assert_lost_alone(tmp_path, fake_slurm, runs, out, scripts, submit)
