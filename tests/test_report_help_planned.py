"""``report --help`` names what the report says of a run the grid planned whose folder there is none of
("planned, not started", on the terminal, in results.md and findings.md), which its help never said: it
spoke only of runs not finished, "each with its state", all of which have a folder."""

import shutil

from click.testing import CliRunner
from test_experiment import trained_grid  # noqa: F401 (a fixture)

from minitransfer.cli import main

SAID = "planned, not started"


def test_the_words_a_report_gives_a_planned_run_without_a_folder_are_in_its_help(trained_grid,  # noqa: F811
                                                                                  tmp_path):
    source, runs, options = trained_grid
    place = tmp_path / "grid"
    shutil.copytree(source, place)
    shutil.rmtree(place / "random0" / "B1B.run")  # planned by the grid (its experiment.json lists it), no folder now
    (place / "random0" / "B1B.h5").unlink()
    result = CliRunner().invoke(main, ["report", str(place)])
    assert result.exit_code == 0, result.output
    assert f"{SAID}: random0/B1B" in result.output, result.output
    for name in ("results.md", "findings.md"):
        assert f"{SAID}: random0/B1B" in (place / "report" / name).read_text(), name
    assert f'"{SAID}"' in " ".join(main.commands["report"].help.split())
