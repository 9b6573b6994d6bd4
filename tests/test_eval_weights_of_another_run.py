"""``eval baseA.run`` scores the weights file beside the run folder: one copied there from another run (another
network than the run's result.json records) was scored under the run's name, with the other's classes and scores,
and nothing said so; a warning names both digests and the run's own network, the file scored as it is."""

import shutil

from click.testing import CliRunner

from minitransfer import train as training
from minitransfer.cli import main

FAST = {"batch_size": 8, "max_iter": 2, "eval_every": 2, "device": "cpu", "quiet": True}


def test_a_weights_file_of_another_run_in_the_runs_place_is_warned_of(micro_data, tmp_path):
    for name, seed in (("ours", 1), ("theirs", 2)):
        training.train(training.TrainConfig(out=str(tmp_path / f"{name}.h5"), data=micro_data, seed=seed, **FAST))
    runner = CliRunner()
    own = runner.invoke(main, ["eval", str(tmp_path / "ours.run"), "--device", "cpu"])
    assert own.exit_code == 0 and "warning" not in own.output, own.output
    shutil.copyfile(tmp_path / "theirs.h5", tmp_path / "ours.h5")
    for given in ("ours.run", "ours.h5"):
        swapped = runner.invoke(main, ["eval", str(tmp_path / given), "--device", "cpu"])
        assert swapped.exit_code == 0, swapped.output
        warning = next(line for line in swapped.output.splitlines() if line.startswith("warning:"))
        assert warning.startswith(f"warning: {tmp_path / 'ours.h5'} is not the network of its run "
                                  f"{tmp_path / 'ours.run'}: its network sha256 is "), warning
        assert f"{tmp_path / 'ours.run' / 'checkpoint.h5'} is the run's own network" in warning, warning
        assert "Traceback" not in swapped.output
    theirs = runner.invoke(main, ["eval", str(tmp_path / "theirs.run"), "--device", "cpu"])
    assert theirs.exit_code == 0 and "warning" not in theirs.output, theirs.output


def test_info_of_a_run_whose_weights_file_is_another_runs_warns_of_it(micro_data, tmp_path):
    """``info ours.run`` described the weights file copied in its place as the run's network, nothing said."""
    for name, seed in (("ours", 1), ("theirs", 2)):
        training.train(training.TrainConfig(out=str(tmp_path / f"{name}.h5"), data=micro_data, seed=seed, **FAST))
    runner = CliRunner()
    own = runner.invoke(main, ["info", str(tmp_path / "ours.run")])
    assert own.exit_code == 0 and "warning" not in own.output, own.output
    shutil.copyfile(tmp_path / "theirs.h5", tmp_path / "ours.h5")
    told = runner.invoke(main, ["info", str(tmp_path / "ours.run")])
    assert told.exit_code == 0, told.output
    warning = next((line for line in told.output.splitlines() if line.startswith("warning:")), None)
    assert warning is not None and warning.startswith(f"warning: {tmp_path / 'ours.h5'} is not the network of its "
                                                      f"run {tmp_path / 'ours.run'}"), told.output
    assert warning.endswith(f"it is described as it is: {tmp_path / 'ours.run' / 'checkpoint.h5'} is the run's own "
                            f"network"), warning
