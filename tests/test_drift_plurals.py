"""A report of one finished run counted it in the plural: "read 1 finished runs", "drawing the figures of 1 runs"
and results.md's "# Results of 1 networks"; one run is now "1 run", as report already words the runs it left out
("note: 1 finished run counted has no network now")."""

import pytest
from click.testing import CliRunner
from test_report import write_run
from test_report_scale import SlowRendering

from minitransfer import experiment as grid
from minitransfer.cli import main


def _one_run(out):
    base, = [run for run in grid.plan_grid(layers=(1,)) if run.name == "random0/baseA"]
    write_run(out, base, 0.6)
    return out


@pytest.mark.parametrize("count", [1, 2], ids=["one-run", "two-runs"])
def test_a_report_counts_its_runs_in_the_singular_or_plural(tmp_path, monkeypatch, count):
    pytest.importorskip("matplotlib")
    runs = _one_run(tmp_path / "grid")
    if count == 2:
        base, = [run for run in grid.plan_grid(layers=(1,)) if run.name == "random0/baseB"]
        write_run(runs, base, 0.62)
    SlowRendering(monkeypatch, 11)  # each figure file said as it is drawn, and the end
    result = CliRunner().invoke(main, ["report", str(runs), "-o", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    run, network = ("run", "network") if count == 1 else ("runs", "networks")
    assert f"read {count} finished {run} from {runs}\n" in result.stdout, result.stdout
    drawn = [line for line in result.stderr.splitlines() if line.startswith("drawing the figures of ")]
    assert drawn and all(line.startswith(f"drawing the figures of {count} {run}: ") for line in drawn), result.stderr
    assert (tmp_path / "r" / "results.md").read_text().startswith(f"# Results of {count} {network} in ")
