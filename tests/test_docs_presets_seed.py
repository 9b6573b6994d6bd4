"""docs/presets.md names the seed its grid's baseA trains with (the one that stayed at chance under micro's filler,
while `train --seed 0` learned): the seed `experiment --seed 0` derives for random0/baseA. A change to how a grid
derives its networks' seeds would leave the page pointing at a seed no grid of its commands trains."""

import pathlib
import re

from minitransfer import experiment

PRESETS = pathlib.Path(__file__).resolve().parents[1] / "docs" / "presets.md"


def test_the_seed_presets_md_names_is_the_one_its_grid_gives_baseA():
    prose = " ".join(PRESETS.read_text().split())
    said = re.search(r"the seed `experiment --seed (\d+)` derives for it, (\d+),", prose)
    assert said, "presets.md no longer names the grid's baseA seed"
    base_a, = [run for run in experiment.plan_grid(layers=(1, 2, 3, 4)) if run.name == "random0/baseA"]
    assert experiment.run_seed(int(said[1]), base_a) == int(said[2])
