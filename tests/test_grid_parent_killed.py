"""A grid killed with SIGKILL (``kill -9``, a crash): its trainings stop with a checkpoint (SIGTERM from
the kernel as their parent dies, exit 75) rather than train on unwatched, holding the cores or GPU
the rerun's runs need, which the rerun waited for as runs "by another process"."""

import pathlib
import subprocess
import sys
import textwrap

import interrupting
import pytest
import waiting
from stand_ins import stoppable_train

from minitransfer import experiment as grid
from minitransfer import grid_status, run_lock

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")


def test_killing_the_experiment_stops_its_forked_training_with_a_checkpoint(micro_data, tmp_path):
    """The CPU grid's runs are forked by a preloaded launcher: the launcher dies with the grid, and the
    run with the launcher, writing its checkpoint."""
    out = tmp_path / "grid"
    base = out / "random0" / "baseA.run"
    command = grid.default_train_command()[:-1] + [
        "experiment", "--data", micro_data, "-o", str(out), "--layers", "1", "--no-fine-tuned", "--max-iter", "100000",
        "--device", "cpu"]
    experiment = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    _kill_once_training(experiment, base, lambda: waiting.losses_logged(base / "metrics.jsonl"))
    assert "interrupted: SIGTERM" in (base / "train.log").read_text()
    base_a = grid.plan_grid(layers=(1,), fine_tuned=False)[0]
    assert grid_status.run_status(out, base_a).startswith("resume at iteration")


DRIVER = textwrap.dedent('''
    import sys
    from minitransfer import experiment as grid
    from minitransfer import scheduler
    scheduler.run_grid(grid.plan_grid(layers=(1,), fine_tuned=False)[:1], sys.argv[1], {"preset": "mini"},
                       train_command=[sys.executable, sys.argv[2]], log=print)
''')


def test_killing_a_grid_stops_the_training_it_started_as_a_process_with_a_checkpoint(tmp_path):
    out, train, driver = tmp_path / "grid", tmp_path / "train.py", tmp_path / "driver.py"
    train.write_text(stoppable_train("SIGTERM"))  # the launcher's death
    driver.write_text(DRIVER)
    base = out / "random0" / "baseA.run"
    parent = subprocess.Popen([sys.executable, str(driver), str(out), str(train)], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    _kill_once_training(parent, base, (base / "training").exists)
    assert (base / "checkpoint").read_text() == "stopped"


def _ended(pid):
    """Whether process ``pid`` has ended: gone, or a zombie its new parent has not reaped yet."""
    try:
        return pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def _kill_once_training(grid_process, base, training):
    """SIGKILL ``grid_process`` once ``training()`` says its run ``base`` trains, and wait until that
    run has ended: not only let go of its lock, which a train releases before it says how it stopped
    (on a busy machine its log was read in between). Whatever happens, nothing is left running."""
    try:
        waiting.until_while_running(training, grid_process, "baseA trains")
        run = run_lock.holder(base)
        grid_process.kill()
        grid_process.communicate(timeout=waiting.DEADLINE_SECONDS)
        assert waiting.until(lambda: run_lock.holder(base) is None and _ended(run)), \
            "baseA stops once its grid is killed"
    finally:
        grid_process.kill()
        interrupting.kill_left_running(base)
