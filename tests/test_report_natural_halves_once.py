"""Which half of the natural split is which was said word for word with each finding that cites the
natural split (dissimilar, random-weights-dissimilar), so twice in findings.md and twice on the
terminal, besides results.md: it is said once in each now."""

from click.testing import CliRunner

from minitransfer import experiment as grid
from minitransfer.cli import main
from test_report import write_run

SAID = "On the natural split, half A is the natural classes and half B the man-made ones"


def test_the_natural_halves_are_said_once_in_each_place(tmp_path):
    runs = grid.plan_grid(random_seeds=(0,), natural=True, layers=(5,), random_frozen=(5,))
    for run in runs:
        write_run(tmp_path / "grid", run, 0.6 if run.kind == "base" else 0.45 + 0.01 * (run.split == "random"))
    result = CliRunner().invoke(main, ["report", str(tmp_path / "grid"), "-o", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    findings = (tmp_path / "r" / "findings.md").read_text()
    cite = [line for line in findings.splitlines() if "natural / man-made transfer" in line]
    assert len(cite) == 2, findings  # dissimilar and random-weights-dissimilar both measured the natural split
    assert findings.count(SAID) == 1 and SAID in cite[0]
    assert (tmp_path / "r" / "results.md").read_text().count(SAID) == 1
    assert result.output.count(SAID) == 1
