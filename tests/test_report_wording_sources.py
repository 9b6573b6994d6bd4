"""Words of the report that named the wrong source or the wrong folder: results.md attributed the pooling
of baseA as baseB to the paper's footnote 3, which pools only AnA as BnB and BnA as AnB (the bases' pooling
is Figure 2's caption: "eight points, because we tested on four separate random A/B splits"), and the line
under Table 1 said "the demo on a CPU trains none" of BnB+ in folders that are no demo's."""

import pytest

from minitransfer import experiment as grid
from minitransfer import grid_plan_file, report
from minitransfer.grid_options import ALL_CLASSES
from test_report import write_run

DEMO_WORDS = "the demo on a CPU trains none"


def write_grid(out, options):
    runs = grid.plan_grid(layers=(1, 7), both_directions=True, selffer_fine_tuned=False)  # no BnB+
    grid_plan_file.write_plan(out, runs, options, ["train"])
    for run in runs:
        write_run(out, run, 0.6 if run.kind == "base" else 0.55 + 0.01 * run.fine_tuned)
    return out


@pytest.mark.parametrize("options, demo", [({ALL_CLASSES: {"max_iter": 30}, "preset": "toy"}, True),
                                           ({"max_iter": 30}, False)], ids=["demo", "experiment"])
def test_the_demo_is_named_only_in_a_demos_folder(tmp_path, options, demo):
    written = report.write_report(write_grid(tmp_path / "grid", options), tmp_path / "r", figures=False)
    table1 = written.files["table1.md"].read_text()
    assert "and the runs hold no BnB+ with an accuracy (experiment plans BnB+" in table1
    assert (DEMO_WORDS in table1) is demo


def test_the_bases_pooling_is_attributed_to_figure_2s_caption(tmp_path):
    written = report.write_report(write_grid(tmp_path / "grid", {}), tmp_path / "r", figures=False)
    results = written.files["results.md"].read_text()
    assert "(its footnote 3: AnA counts as BnB, BnA as AnB; Figure 2's caption: baseA as baseB" in results
    assert "baseA counts as baseB" in results  # the bases of this folder are pooled so
