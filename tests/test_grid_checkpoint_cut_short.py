"""A grid's run whose checkpoint.h5 is cut short (its weights file gone): what `info` tells to do works. It told
to train it again by "its train command with --overwrite", which a grid's run has none of (the grid trains it,
and rerun as it is, the grid's train refuses the damaged checkpoint again); deleting the checkpoint, then
rerunning the experiment command, trains it again."""

import os
import shlex

from click.testing import CliRunner

from minitransfer.cli import main


def test_a_grid_runs_cut_short_checkpoint_is_said_what_works(micro_data, tmp_path):
    grid = tmp_path / "grid"
    command = ["experiment", "--data", micro_data, "-o", str(grid), "--layers", "1", "--no-fine-tuned",
               "--max-iter", "2", "--eval-every", "1", "--batch-size", "8", "--device", "cpu"]
    assert CliRunner().invoke(main, command).exit_code == 0
    run = grid / "random0" / "A1B.run"
    (grid / "random0" / "A1B.h5").unlink()
    os.truncate(run / "checkpoint.h5", 100)
    shown = CliRunner().invoke(main, ["info", str(run)])
    said = " ".join(shown.output.split())
    assert shown.exit_code == 65 and "cut short" in said, said
    assert "--overwrite" not in said and "its train command" not in said, said
    assert f"delete {run / 'checkpoint.h5'}, then rerun the experiment command that planned it (minitransfer " \
        f"experiment -o {shlex.quote(str(grid))} with the grid's options)" in said, said
    (run / "checkpoint.h5").unlink()  # as told
    assert CliRunner().invoke(main, command).exit_code == 0
    assert CliRunner().invoke(main, ["info", str(run)]).exit_code == 0
    assert (grid / "random0" / "A1B.h5").is_file()
