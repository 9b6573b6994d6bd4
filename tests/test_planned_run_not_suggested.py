"""`info` given an experiment's folder (or one of its split folders) names a run to give instead: one that
holds a network, never a run the grid planned and did not start (its treatment.json alone), which `info`
refuses in turn; where none of its runs holds a network, it names none."""

import pathlib
import re

import pytest
from click.testing import CliRunner

from minitransfer import path_kinds
from minitransfer.cli import main


@pytest.fixture(scope="module")
def grid(micro_data, tmp_path_factory):
    """A grid trained to the end, then its first run (A1B, by name) reset to what the grid leaves of a run it
    planned and did not start: the folder holding treatment.json alone, no weights file."""
    folder = tmp_path_factory.mktemp("grid") / "grid"
    trained = CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", str(folder), "--layers", "1",
                                        "--no-fine-tuned", "--max-iter", "2", "--eval-every", "1", "--batch-size",
                                        "8", "--device", "cpu"])
    assert trained.exit_code == 0, trained.output
    (folder / "random0" / "A1B.h5").unlink()
    for path in (folder / "random0" / "A1B.run").iterdir():
        if path.name != "treatment.json":
            path.unlink()
    return folder


@pytest.mark.parametrize("given", [".", "random0"])
def test_the_run_suggested_for_a_grid_folder_is_one_info_takes(grid, given):
    shown = CliRunner().invoke(main, ["info", str(grid / given)])
    said = " ".join(shown.output.split())
    assert shown.exit_code == 2, said
    suggested = re.search(r"give one of them \(e\.g\. (\S+)\)", said)
    assert suggested, said
    assert not suggested.group(1).endswith("A1B.run"), said
    taken = CliRunner().invoke(main, ["info", suggested.group(1)])  # the oracle: info takes what it suggested
    assert taken.exit_code == 0, taken.output


def test_a_folder_whose_runs_hold_no_network_suggests_none(tmp_path):
    for name in ("A1B", "B1B"):  # two runs planned, not started: treatment.json alone
        (tmp_path / "random0" / f"{name}.run").mkdir(parents=True)
        (tmp_path / "random0" / f"{name}.run" / "treatment.json").write_text("{}")
    what = path_kinds.what_folder(tmp_path)
    assert what.run is None and "none of which holds a network yet" in what.what, what
    (tmp_path / "random0" / "B1B.h5").write_bytes(b"")  # a weights file beside B1B.run: that one is to be given
    assert path_kinds.what_folder(tmp_path).run == pathlib.Path(tmp_path / "random0" / "B1B.run")


def test_where_no_run_holds_a_network_a_started_one_is_suggested_not_a_planned_one(tmp_path):
    for name in ("A1B", "B1B"):
        (tmp_path / f"{name}.run").mkdir()
        (tmp_path / f"{name}.run" / "treatment.json").write_text("{}")
    (tmp_path / "B1B.run" / "train.log").write_text("")  # B1B started: it may hold a checkpoint soon
    assert path_kinds.what_folder(tmp_path).run == tmp_path / "B1B.run"
