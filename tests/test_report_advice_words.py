"""A report's warnings advise the training fields to set in their user's words: a notebook's
``report.write_report(...).warnings`` names them as TrainConfig does (`eval_every`), the command line
as the options that set them (--eval-every). Before, the library advised the command line's options."""

import json

from click.testing import CliRunner

from minitransfer import report
from minitransfer import experiment as grid
from minitransfer.cli import main
from minitransfer.config_wording import option_name
from test_report import write_runs

FEW, NONE = "random0/A3B+", "random0/B1B"  # made of 4 evaluations (10 or fewer), and of none
ADVISED = ("eval_every", "overwrite")      # what each is advised: evaluate more often, train it again


def _grid(tmp_path):
    """A finished grid (:func:`tests.test_report.write_runs`) with :data:`FEW` and :data:`NONE`."""
    out = write_runs(tmp_path / "grid")
    for name, evaluations in ((FEW, 4), (NONE, 0)):
        path = grid.run_dir(out, {r.name: r for r in grid.plan_grid(layers=(1, 3, 5))}[name]) / "result.json"
        result = json.loads(path.read_text())
        if not evaluations:
            result.update(best_top1=float("nan"), mean10_top1=float("nan"), final={})
        path.write_text(json.dumps({**result, "evaluations": evaluations}))
    return out


def test_the_library_advises_training_fields_as_trainconfig_names_them(tmp_path):
    said = "\n".join(report.write_report(_grid(tmp_path), tmp_path / "report", figures=False).warnings)
    assert FEW in said and NONE in said, said
    for field in ADVISED:
        assert f"(`{field}`)" in said and option_name(field) not in said, said


def test_the_command_line_advises_the_options_that_set_them(tmp_path):
    shown = CliRunner().invoke(main, ["report", str(_grid(tmp_path)), "-o", str(tmp_path / "report")])
    assert shown.exit_code == 0, shown.output
    for field in ADVISED:
        assert f"({option_name(field)})" in shown.output and f"`{field}`" not in shown.output, shown.output
