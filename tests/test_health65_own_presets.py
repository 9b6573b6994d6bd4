"""A preset of one's own that the environment notes (MINITRANSFER_PRESET_SOURCES, as `info`'s "made again by" line
and the SLURM scripts set it; docs/presets.md) is known wherever a run's record names it
(:func:`minitransfer.models.known_preset`), its registering script run first, as train's --preset runs it: a run
of it resumed in a new shell was refused as damaged ("preset must be one of caffenet, mini, micro", exit 65), and a
report of its runs named Table 1's rows and drew the figures' axes as the paper's n 1..7, for a network of 4."""

import dataclasses
import json

import pytest

from minitransfer import experiment as grid
from minitransfer import figures_paper, models
from minitransfer.config_checks import check_fields
from minitransfer.report_tables import table1
from minitransfer.train_config import TrainConfig
from test_figures import Figure, networks
from test_ownpreset_table1 import grid as table1_grid

OWN = """from minitransfer import models

models.register(models.Preset("own4", models.micro, crop=12, copyable=4, batch_size=8, max_iter=6, eval_every=3,
                              checkpoint_every=3, log_every=3, description="four copyable layers"))
"""


@pytest.fixture
def noted_own_preset(tmp_path, monkeypatch):
    """A new shell's process: "own4" noted in the environment, its script not yet run here."""
    script = tmp_path / "mynet.py"
    script.write_text(OWN)
    monkeypatch.setenv(models.PRESET_SOURCES, json.dumps({"own4": ["__main__", str(script.resolve())]}))
    monkeypatch.setattr(models, "PRESETS", dict(models.PRESETS))  # what the script registers: taken out after
    monkeypatch.syspath_prepend(str(tmp_path))  # where known puts the script's folder: taken out after
    assert "own4" not in models.PRESETS


@pytest.mark.usefixtures("noted_own_preset")
def test_a_config_of_an_own_preset_noted_in_the_environment_is_checked_as_known():
    check_fields(TrainConfig(preset="own4"))  # a resumed run's record's preset (resume_options.take_run_folder)
    assert models.known_preset("own4").copyable == 4


@pytest.mark.usefixtures("noted_own_preset")
def test_a_report_of_an_own_preset_s_runs_ends_table_1_s_rows_at_its_top_layer():
    rows = table1(table1_grid("own4", 4))
    assert [row["layers"] for row in rows] == ["1 to 4", "3 and 4", "5 to 7: none in this network (n is 1 to 4)"]


@pytest.mark.usefixtures("noted_own_preset")
def test_a_figure_of_an_own_preset_s_bases_draws_the_n_it_copies():
    bases = networks([run for run in grid.plan_grid(random_seeds=(0,)) if run.kind == "base"], lambda run: 0.6)
    figure = figures_paper.figure2(Figure, [dataclasses.replace(r, preset="own4") for r in bases])
    assert [axes.get_xlim() for axes in figure.axes] == [(-0.5, 4.5)] * 2
