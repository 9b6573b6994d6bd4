"""A grid rerun with fewer of something an earlier plan of its folder had names what: the runs it leaves alone
differ by their replicates, per-class counts, layers or split seeds, and the note says which, and the option that
planned them. Before, always "(other layers, split seeds or treatments)" and "rerun with the --layers, --split-seed
and other options", which sent a researcher who had given fewer --replicates or --per-class counts astray."""

import re

import pytest

from minitransfer import experiment as grid
from minitransfer import grid_check, grid_plan_file

OPTIONS = {"data": "/data/synthetic", "max_iter": 4, "seed": 0, "device": "cpu", "preset": "micro"}
EARLIER = dict(random_seeds=(0, 1), natural=True, replicates=2, layers=(1, 2), fine_tuned=False, selffer=False,
               per_class=(10, 20))


@pytest.mark.parametrize("fewer, words, options", [
    (dict(replicates=1), "replicates", "--replicates option"),
    (dict(per_class=(10,)), "per-class counts", "--per-class option"),
    (dict(layers=(1,)), "layers", "--layers option"),
    (dict(random_seeds=(0,)), "split seeds", "--split-seed option"),
    (dict(random_seeds=(0,), layers=(2,)), "split seeds or layers", "--split-seed and --layers options"),
    (dict(fine_tuned=True), None, None),  # the same runs and more: nothing left alone
])
def test_the_note_names_what_sets_the_runs_left_alone_apart(tmp_path, fewer, words, options):
    out = tmp_path / "grid"
    grid_plan_file.write_plan(out, grid.plan_grid(**EARLIER), OPTIONS, ["train"])
    runs = grid.plan_grid(**{**EARLIER, **fewer})
    said = grid_check.left_alone(runs, out)
    if words is None:
        assert said is None, said
        return
    left = {run.name for run in grid.plan_grid(**EARLIER)} - {run.name for run in runs}
    assert re.search(rf"holds {len(left)} runs of an earlier plan that this grid does not plan \(other {words}\), "
                     rf"left as they are: {len(left)} not started ", said), said
    assert said.endswith(f"; to train them, rerun with the {options} that planned them"), said


def test_runs_no_option_leaves_out_alone_are_told_in_the_general_words(tmp_path):
    out = tmp_path / "grid"
    earlier = grid.plan_grid(layers=(1,), fine_tuned=False)
    grid_plan_file.write_plan(out, earlier, OPTIONS, ["train"])
    said = grid_check.left_alone([run for run in earlier if run.name != "random0/B1B"], out)  # no option does this
    assert "(other layers, split seeds or treatments)" in said, said
    assert said.endswith("rerun with the --layers, --split-seed and other options that planned it"), said
