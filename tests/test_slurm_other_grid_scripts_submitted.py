"""The refusal to emit one grid's SLURM scripts over another's says what the other grid's submit.sh has queued as
its submitted.txt lists it. It said "its tasks may still be queued, as .../submitted.txt lists them" of scripts
never submitted, that file absent: a researcher went looking for tasks and a file that did not exist."""

import pytest

from minitransfer import config, slurm
from test_slurm_other_grid_scripts import emit


def _refusal(tmp_path):
    with pytest.raises(config.ConfigError) as refused:
        emit(tmp_path, "grid2", "slurm")
    return str(refused.value)


def test_scripts_never_submitted_are_not_said_to_have_tasks_listed(tmp_path):
    emit(tmp_path, "grid", "slurm")
    submitted = tmp_path / "slurm" / slurm.SUBMITTED_FILE
    assert not submitted.exists()  # the oracle: no submit.sh has run
    message = _refusal(tmp_path)
    assert "may still be queued" not in message, message
    assert f"none of its tasks is listed in {submitted}, but its submit.sh, run later, would submit that grid's " \
           f"runs" in message, message


def test_scripts_whose_tasks_are_listed_say_they_may_be_queued(tmp_path):
    emit(tmp_path, "grid", "slurm")
    submitted = tmp_path / "slurm" / slurm.SUBMITTED_FILE
    submitted.write_text(f"12_0\t{tmp_path / 'grid' / 'random0' / 'baseA'}\tplan\n")
    message = _refusal(tmp_path)
    assert f"its tasks may still be queued, as {submitted} lists them, and their messages name its submit.sh" \
        in message, message
