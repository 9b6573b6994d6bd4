"""An emitted SLURM array task's train command run in this process through the CLI's ``main``, as the task runs it
(the same argv after the train command :func:`minitransfer.experiment.default_train_command` gives), without the
second or so a fresh Python spends importing minitransfer and NumPy."""

from click.testing import CliRunner

from minitransfer import experiment as grid
from minitransfer.cli import main


def run_task(command):
    """Run ``command`` (an argv from :func:`test_slurm.array_tasks`): (exit code, output)."""
    train = grid.default_train_command()
    assert command[:len(train)] == train, command  # minitransfer's own train, as emitted
    done = CliRunner().invoke(main, command[len(train) - 1:])
    return done.exit_code, done.output
