"""A grid half-trained by minitransfer 0.7.0, continued by this version. 0.7.0 trained any schedule the solver
took, one stepping the rate below float32's normal numbers too (``--stepsize 1`` of 40 iterations: 0.01 · 0.1^39);
this version refuses such a schedule (:func:`minitransfer.optim.run_solver`). Before, it refused the old runs with
it as well: ``train --resume auto`` of a run 0.7.0 finished, or stopped, was "error: solver: ..." (exit 2), and
``experiment`` refused the whole grid before anything ran, the finished runs included. A schedule a checkpoint the
run goes on from records (its own, or its base's) is now taken as it began; a new network is still refused it.

The old files are made here as 0.7.0 wrote them: trained with the solver 0.7.0 had (a plain
:class:`~minitransfer.optim.Solver`, patched in), result.json without the records it lacked (``environment``,
``dataset``, ``weights.network_sha256``), and a temporary named ``.<name>.tmp-<pid>``."""

import json
import shlex

import interrupting
import pytest
from click.testing import CliRunner

from minitransfer import optim
from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.result_digests import RESULT_SHA256

ABOVE_PID_MAX = 2**22 + 1  # above Linux's largest pid_max: no process here has it
SCHEDULE = {"max_iter": 8, "stepsize": 2, "gamma": 1e-20}  # 0.01 · 1e-20^3 = 1e-62: 0 in float32
GRID = ["--layers", "1", "--no-fine-tuned", "--preset", "micro", "--max-iter", "40", "--stepsize", "1",
        "--batch-size", "4", "--device", "cpu"]  # 0.01 · 0.1^39


@pytest.fixture
def as_070(monkeypatch):
    """Train as 0.7.0 did while patched: its solver checked no schedule; ``undo()`` ends it."""
    monkeypatch.setattr(optim, "run_solver", optim.Solver)
    return monkeypatch.undo


def _as_070_wrote(run_dir):
    """``run_dir``'s result.json without the records 0.7.0 did not write."""
    path = run_dir / "result.json"
    result = json.loads(path.read_text())
    del result["environment"], result["dataset"], result["weights"]["network_sha256"], result[RESULT_SHA256]
    path.write_text(json.dumps(result))


def _config(data, out, **options):
    return training.TrainConfig(data=data, out=str(out), batch_size=4, device="cpu", quiet=True, seed=5,
                                **SCHEDULE, **options)


def test_a_new_network_is_still_refused_the_schedule(micro_data, tmp_path):
    result = CliRunner().invoke(main, ["train", "--data", micro_data, "-o", str(tmp_path / "net.h5"), "--max-iter",
                                       "8", "--stepsize", "2", "--gamma", "1e-20", "--batch-size", "4", "--device",
                                       "cpu"])
    assert result.exit_code == 2 and "steps the learning rate below" in result.output, result.output


def test_a_run_070_finished_with_the_schedule_is_finished_and_replacing_it_is_refused(micro_data, tmp_path, as_070):
    training.train(_config(micro_data, tmp_path / "net.h5"))
    _as_070_wrote(tmp_path / "net.run")
    as_070()
    weights = (tmp_path / "net.h5").read_bytes()
    command = ["train", "--data", micro_data, "-o", str(tmp_path / "net.h5"), "--max-iter", "8", "--stepsize", "2",
               "--gamma", "1e-20", "--batch-size", "4", "--seed", "5", "--device", "cpu"]
    result = CliRunner().invoke(main, [*command, "--resume", "auto"])
    assert result.exit_code == 0 and "already finished" in result.output, result.output
    assert (tmp_path / "net.h5").read_bytes() == weights  # not trained again
    replaced = CliRunner().invoke(main, [*command, "--overwrite"])  # a new network: refused the schedule
    assert replaced.exit_code == 2 and "steps the learning rate below" in replaced.output, replaced.output


def test_a_run_070_stopped_goes_on_and_clears_its_old_temporary(micro_data, tmp_path, as_070):
    config = _config(micro_data, tmp_path / "net.h5")
    interrupting.interrupted_after(config, 3)
    run_dir = tmp_path / "net.run"
    left = run_dir / f".checkpoint.h5.tmp-{ABOVE_PID_MAX}"  # 0.7.0's name, of a process killed while writing
    left.write_bytes((run_dir / "checkpoint.h5").read_bytes()[:1000])
    as_070()
    result = training.train(_config(micro_data, tmp_path / "net.h5", resume="auto"))
    assert result.iterations == SCHEDULE["max_iter"] and not left.exists()
    assert json.loads((run_dir / "result.json").read_text())["weights"]["network_sha256"]


def test_a_copy_of_a_070_base_trains_with_the_base_schedule(micro_data, tmp_path, as_070):
    training.train(_config(micro_data, tmp_path / "baseA.h5", split="random", half="A"))
    _as_070_wrote(tmp_path / "baseA.run")
    as_070()
    copy = training.train(_config(micro_data, tmp_path / "A1B.h5", split="random", half="B",
                                  copy_from=str(tmp_path / "baseA.h5"), n=1))
    assert copy.iterations == SCHEDULE["max_iter"]


def test_a_grid_070_half_trained_with_the_schedule_is_finished_not_refused(micro_data, tmp_path, as_070):
    out = str(tmp_path / "grid")
    planned = CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", out, *GRID, "--dry-run"])
    assert planned.exit_code == 0, planned.output
    commands = [shlex.split(line)[1:] for line in planned.output.splitlines()
                if line.startswith("      ") and " train " in line]
    bases = [command for command in commands if "--copy-from" not in command]
    assert len(bases) == 2 and len(commands) == 4, planned.output
    for command in bases:  # 0.7.0 trained the bases, then was stopped
        trained = CliRunner().invoke(main, [*command, "--quiet"])
        assert trained.exit_code == 0, trained.output
    for name in ("baseA", "baseB"):
        _as_070_wrote(tmp_path / "grid" / "random0" / f"{name}.run")
    as_070()
    weights = (tmp_path / "grid" / "random0" / "baseA.h5").read_bytes()
    result = CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", out, *GRID])
    assert result.exit_code == 0, result.output
    assert "2 trained, 2 already done, 0 failed" in result.output, result.output
    assert (tmp_path / "grid" / "random0" / "baseA.h5").read_bytes() == weights
