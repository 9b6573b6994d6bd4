"""Options at the edge of what they take. --eval-batch-size took any count from 1 up, while a checkpoint's
reader takes at most 2**31 - 1 (``checkpoint_meta.CONFIG_FIELDS``): a run given more trained and finished
(exit 0), and its weights file was then refused as bad data (exit 65) by eval, info and --copy-from; a
resumed run given more wrote a checkpoint it could never be resumed from."""

from click.testing import CliRunner

from minitransfer import config
from minitransfer.cli import main
from minitransfer.config_checks import MAX_COUNT

import interrupting

FAST = ["--max-iter", "2", "--eval-every", "2", "--batch-size", "8", "--device", "cpu"]
REFUSED = f"--eval-batch-size must be an integer 1..{MAX_COUNT}, got {MAX_COUNT + 1}"


def test_an_evaluation_batch_past_what_a_checkpoint_records_is_refused_before_the_run_starts(micro_data, tmp_path):
    out = tmp_path / "baseA.h5"
    done = CliRunner().invoke(main, ["train", "--data", micro_data, "-o", str(out), *FAST,
                                     "--eval-batch-size", str(MAX_COUNT + 1)])
    assert done.exit_code == 2, done.output
    assert REFUSED in done.output
    assert done.exception is None or isinstance(done.exception, SystemExit)
    assert not out.exists() and not (tmp_path / "baseA.run").exists()
    largest = CliRunner().invoke(main, ["train", "--data", micro_data, "-o", str(out), *FAST,
                                        "--eval-batch-size", str(MAX_COUNT)])
    assert largest.exit_code == 0, largest.output
    shown = CliRunner().invoke(main, ["info", str(out)])
    assert shown.exit_code == 0, shown.output  # its weights are read back


def test_a_resumed_run_given_such_a_batch_keeps_a_checkpoint_it_can_resume_from(micro_data, tmp_path):
    out = tmp_path / "baseA.h5"
    interrupting.interrupted_after(config.TrainConfig(out=str(out), data=micro_data, max_iter=4, eval_every=2,
                                                      batch_size=8, device="cpu", quiet=True), 1)
    run = tmp_path / "baseA.run"
    refused = CliRunner().invoke(main, ["train", "--resume", str(run), "--device", "cpu",
                                        "--eval-batch-size", str(MAX_COUNT + 1)])
    assert refused.exit_code == 2, refused.output
    assert REFUSED in refused.output
    resumed = CliRunner().invoke(main, ["train", "--resume", str(run), "--device", "cpu"])
    assert resumed.exit_code == 0, resumed.output
    assert out.exists()
