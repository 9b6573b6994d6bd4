"""Resuming a transfer across datasets after its target dataset changed under it: prepared again in
its folder (other images), the run cannot continue, and the refusal says why and what trains it."""

from click.testing import CliRunner
from interrupting import interrupted_after

from minitransfer import config
from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.data import synthetic

FAST = {"batch_size": 8, "max_iter": 4, "eval_every": 2, "checkpoint_every": 2, "device": "cpu", "quiet": True,
        "preset": "micro"}


def test_a_transfer_resumed_on_its_target_prepared_again_says_what_to_do(tmp_path):
    """The refusal named `--data T -> T` (another dataset) and stopped there: the folder is the one the
    run was given, so neither giving it again nor the hint for a moved dataset helps. It is bad data
    (exit 65, as eval says of the weights there), no longer a usage error (2): no option fixes it."""
    source, target = tmp_path / "S", tmp_path / "T"
    synthetic.build_synthetic(source, classes=4, train_per_class=4, val_per_class=2, size=14, seed=1)
    synthetic.build_synthetic(target, classes=6, train_per_class=4, val_per_class=2, size=14, seed=2)
    base = tmp_path / "baseS.h5"
    training.train(config.TrainConfig(out=str(base), data=str(source), split="all", **FAST))
    out = tmp_path / "S2T.h5"
    interrupted_after(config.TrainConfig(out=str(out), data=str(target), copy_from=str(base), n=2, frozen=True,
                                         **FAST), 2)
    synthetic.build_synthetic(target, classes=6, train_per_class=4, val_per_class=2, size=14, seed=3, overwrite=True)

    resumed = CliRunner().invoke(main, ["train", "--resume", str(tmp_path / "S2T.run")])
    assert resumed.exit_code == 65, resumed.output
    assert resumed.output.startswith(f"error: bad data: cannot resume {tmp_path / 'S2T.run' / 'checkpoint.h5'}: it was "
                                     f"trained on {target} before that folder was prepared again (sha256 of its "
                                     f"meta.json "), resumed.output
    assert resumed.output.endswith("to train on these images from the start, give another --out, or replace this run "
                                   "(--overwrite, without --resume)\n"), resumed.output
    assert "Traceback" not in resumed.output and not out.exists()
