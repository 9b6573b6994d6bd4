"""A weights file that is no weights file (cut short: a full disk, a copy stopped) where a run has
written, or is to write, its weights: the refusal says what to do as the run stands (finished: its
weights written again from its checkpoint; its checkpoint deleted: trained again; unfinished:
continued once the file is moved away), not only to choose another --out."""

import numpy as np
from click.testing import CliRunner
from interrupting import interrupted_after

from minitransfer import checkpoint as checkpoints
from minitransfer import train as training
from minitransfer.cli import main

FAST = {"batch_size": 8, "max_iter": 4, "eval_every": 2, "checkpoint_every": 2, "device": "cpu", "quiet": True}
REFUSED = "exists and is not a minitransfer weights file; "


def _train(out, data, *options):
    return CliRunner().invoke(main, ["train", "-o", str(out), "--data", str(data), "--batch-size", "8", "--max-iter",
                                     "4", "--eval-every", "2", "--checkpoint-every", "2", "--device", "cpu", "--quiet",
                                     *options])


def _refused(out, data, *options):
    """What train -o ``out`` (a file that is no weights file) with ``options`` says to do, after "error: --out
    OUT exists and is not a minitransfer weights file; "; its exit code is 2 (usage)."""
    refused = _train(out, data, *options)
    said = f"error: --out {out} {REFUSED}"
    assert refused.exit_code == 2 and refused.output.startswith(said), refused.output
    return refused.output.removeprefix(said)


def _cut_short(path):
    path.write_bytes(path.read_bytes()[:path.stat().st_size // 2])


def test_a_finished_runs_weights_cut_short_are_said_to_be_written_again_from_its_checkpoint(micro_data, tmp_path):
    """--resume auto said only that net.h5 is no weights file (choose another --out, or move it away);
    deleting it and rerunning writes it again from the run's checkpoint, which now the refusal says,
    without --resume too. Done so, the weights are the run's."""
    out = tmp_path / "net.h5"
    training.train(training.TrainConfig(out=str(out), data=micro_data, **FAST))
    trained = checkpoints.load(out, solver=False).weights
    _cut_short(out)
    checkpoint = tmp_path / "net.run" / "checkpoint.h5"
    for options in (["--resume", "auto"], []):
        assert _refused(out, micro_data, *options) == (f"its run is finished (its checkpoint at iteration 4, its "
                                                       f"last); delete {out} and rerun with --resume auto: it is "
                                                       f"written again from {checkpoint}\n")
    out.unlink()
    again = _train(out, micro_data, "--resume", "auto")
    assert again.exit_code == 0, again.output
    written = checkpoints.load(out, solver=False).weights
    assert written.keys() == trained.keys()
    assert all(np.array_equal(written[name][i], trained[name][i]) for name in trained for i in (0, 1))


def test_a_finished_runs_weights_cut_short_without_its_checkpoint_are_said_to_be_trained_again(micro_data, tmp_path):
    """Its checkpoint deleted (to save space), nothing writes the weights again: the run trains again."""
    out = tmp_path / "net.h5"
    training.train(training.TrainConfig(out=str(out), data=micro_data, **FAST))
    (tmp_path / "net.run" / "checkpoint.h5").unlink()
    _cut_short(out)
    assert _refused(out, micro_data, "--resume", "auto") == (
        f"its run is finished, but its checkpoint was deleted, so its weights cannot be written again: delete {out} "
        f"and rerun with --resume auto to train the run again from the start (what it trained is lost), or move the "
        f"file away if it is not those weights\n")


def test_a_file_in_the_place_of_an_unfinished_runs_weights_is_said_not_to_be_them(micro_data, tmp_path):
    """Interrupted at iteration 2 of 4, the run has written no weights: the file is another's, and the
    run continues once it is moved away."""
    out = tmp_path / "net.h5"
    interrupted_after(training.TrainConfig(out=str(out), data=micro_data, **FAST), 2)
    out.write_text("notes\n")
    assert _refused(out, micro_data, "--resume", "auto") == (
        f"its run is not finished (its checkpoint {tmp_path / 'net.run' / 'checkpoint.h5'} is at iteration 2 of 4), "
        f"so the file is not its weights: move it away and rerun with --resume auto to continue the run, or choose "
        f"another --out\n")
    out.rename(tmp_path / "notes.txt")
    continued = _train(out, micro_data, "--resume", "auto")
    assert continued.exit_code == 0, continued.output
    assert checkpoints.load(out, solver=False).iteration == 4
