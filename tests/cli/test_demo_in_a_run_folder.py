"""``minitransfer demo -o baseA.run`` (or a folder in it), the folder a ``train -o baseA.h5`` wrote:
refused, as an experiment's grid is, but said "the grid folder /abs/baseA.run is /abs/baseA.run, the
run directory of another run ... e.g. /abs/grid": the path twice, resolved, in an experiment's words."""

import os

import pytest
from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.data import synthetic


@pytest.mark.parametrize("given, place", [("baseA.run", "is a run's folder"),
                                          ("baseA.run/demo", "lies inside {host}, a run's folder")],
                         ids=["is", "inside"])
def test_a_demo_into_a_runs_folder_names_it_as_typed(micro_data, tmp_path, monkeypatch, given, place):
    monkeypatch.setattr(synthetic, "builtin_dataset", lambda root=None: micro_data)  # refused before it trains
    monkeypatch.chdir(tmp_path)
    host = tmp_path / "baseA.run"
    host.mkdir()
    (host / "config.json").write_text('{"out": "baseA.h5"}')
    result = CliRunner().invoke(main, ["demo", "-o", given, "--device", "cpu"])
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert (f"--out {given} {place.format(host=host)} (train wrote it, for baseA.h5), where no other run may write: "
            f"give a folder of its own, e.g. {tmp_path / 'demo'}") in result.output
    assert os.listdir(host) == ["config.json"]
