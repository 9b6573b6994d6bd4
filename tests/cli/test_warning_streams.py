"""Where the commands print warnings: on stderr, every one of them, so that stdout holds the
command's course and results (train --json: its JSON alone). A grid relayed its runs' warnings
("random0/baseA: warning: ...") on stdout, where its own warnings, printed before it trains (also
by --dry-run), and train's went to stderr."""

import json

from click.testing import CliRunner

from minitransfer import demo as demos
from minitransfer.cli import main
from minitransfer.data import synthetic
from minitransfer.grid_outcome import GridOutcome

# micro_data's halves hold 16 training images: the micro preset's batch of 32 repeats them, which
# train warns of before its first iteration
BATCH_WARNING = "warning: --batch-size 32 is larger than the 16 training images"


def test_train_json_keeps_stdout_pure_json_and_its_warnings_on_stderr(micro_data, tmp_path):
    result = CliRunner().invoke(main, ["train", "--data", micro_data, "--max-iter", "2", "--eval-every", "2",
                                       "--device", "cpu", "-o", str(tmp_path / "baseA.h5"), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["evaluations"] == 1, result.stdout
    assert BATCH_WARNING in result.stderr, result.stderr


def test_experiment_tells_its_runs_warnings_on_stderr_with_its_own(micro_data, tmp_path):
    result = CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", str(tmp_path / "grid"),
                                       "--layers", "1", "--no-fine-tuned", "--max-iter", "2", "--eval-every", "2",
                                       "--device", "cpu"])
    assert result.exit_code == 0, result.output
    relayed = [line for line in result.stderr.splitlines() if BATCH_WARNING in line]
    assert relayed and all(line.startswith("random0/base") for line in relayed), result.stderr
    assert "warning: 4 runs (random0/baseA" in result.stderr, result.stderr  # the grid's own, before it trains
    assert "warning" not in result.stdout, result.stdout
    assert "done random0/A1B" in result.stdout and "4 trained" in result.stdout, result.stdout


def test_the_demo_tells_its_networks_warnings_on_stderr(micro_data, tmp_path, monkeypatch):
    def run_demo(out, data, log, **options):
        log("[1/1] start random0/baseA on CPU")
        log(f"random0/baseA: {BATCH_WARNING}: every batch repeats images")
        log("FAILED random0/baseA (exit 1); its train.log says why")
        return GridOutcome([], [], ["random0/baseA"], {})

    monkeypatch.setattr(synthetic, "builtin_dataset", lambda root=None: micro_data)
    monkeypatch.setattr(demos, "run_demo", run_demo)
    result = CliRunner().invoke(main, ["demo", "-o", str(tmp_path / "demo"), "--device", "cpu"])
    assert result.exit_code == 1, result.output
    assert f"random0/baseA: {BATCH_WARNING}: every batch repeats images\n" in result.stderr, result.stderr
    assert "warning" not in result.stdout, result.stdout
    assert "[1/1] start random0/baseA on CPU\nFAILED random0/baseA (exit 1)" in result.stdout, result.stdout
