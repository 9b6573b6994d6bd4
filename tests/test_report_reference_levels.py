"""--reference paper over runs that are not the paper's setup (another preset, a short schedule): the paper's
ImageNet accuracies (about 0.62) were drawn over runs at 0.15 without a word, and the figure's y label,
"(mean of all 3 evaluations)", spoke for the paper's lines too, which are means of their 10 best."""

import pytest
from click.testing import CliRunner

from minitransfer import experiment as grid
from minitransfer import figures_paper, models, report
from minitransfer.cli import main
from minitransfer.results import Result, read_reference
from test_report import ACCURACY, write_run

PAPER = models.get("caffenet")
SAID = f"--reference draws the paper's runs, caffenet trained on ImageNet for {PAPER.max_iter:,} iterations"


def write_grid(out, **config):
    for run in grid.plan_grid(layers=(1, 3, 5)):
        write_run(out, run, ACCURACY[run.name], config=config or None)
    return out


@pytest.mark.usefixtures("placeholder_figures")  # drawn, so that what they say counts, but not rendered
@pytest.mark.parametrize("config", [{}, {"preset": "micro", "max_iter": 30}, {"preset": "caffenet", "max_iter": 60}],
                         ids=["unrecorded", "micro-30", "caffenet-60"])
def test_the_report_says_once_that_only_shapes_compare(tmp_path, config):
    runs = write_grid(tmp_path / "grid", **config)
    result = CliRunner().invoke(main, ["report", str(runs), "--reference", "paper", "-o", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert result.output.count(f"careful: {SAID}") == 1
    results = (tmp_path / "r" / "results.md").read_text()
    assert results.count(SAID) == 1 and "only the shapes of their curves compare, not their levels" in results
    if config:
        assert f"preset {config['preset']} and --max-iter {config['max_iter']}:" in results


def test_the_papers_setup_and_no_reference_say_nothing(tmp_path):
    runs = write_grid(tmp_path / "grid", preset="caffenet", max_iter=PAPER.max_iter)
    for reference in ("paper", None):
        written = report.write_report(runs, tmp_path / f"r-{reference}", reference=reference, figures=False)
        assert "--reference draws" not in written.files["results.md"].read_text()
    other = report.write_report(write_grid(tmp_path / "short", max_iter=30), tmp_path / "r", figures=False)
    assert "--reference draws" not in other.files["results.md"].read_text()


def test_the_accuracy_label_names_the_papers_metric_apart():
    Figure = pytest.importorskip("matplotlib.figure").Figure
    results = [Result(run, 0.15, 0.15, 0.15, 3) for run in grid.plan_grid(layers=(1, 3))]
    reference = read_reference("paper")
    assert any(r.evaluations >= 10 for r in reference if r.run.split == "random")  # means of their 10 best
    label = figures_paper.figure2(Figure, results, reference).axes[0].get_ylabel()
    assert "these runs: mean of all 3 evaluations" in label
    assert "the paper's, dashed:\nmean of the 10 best evaluations" in label
    alone = figures_paper.figure2(Figure, results).axes[0].get_ylabel()
    assert "(mean of all 3 evaluations)" in alone and "paper" not in alone


