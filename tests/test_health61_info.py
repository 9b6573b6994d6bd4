"""Code health: info's note that this version refuses a recorded schedule for a new network
(:func:`minitransfer.cli.info._schedule_refused`) read the schedule back from the train command it prints,
re-parsing the command line; it now reads the recorded configuration. What info says must not change: the
old reading, kept here as the oracle, against the new on records of this version and of earlier ones (numbers
as text, a float count, a field left out, true or false, fields no option sets)."""

import pytest

from minitransfer import optim
from minitransfer.checkpoint_info import train_command
from minitransfer.cli import info
from minitransfer.cli._errors import option_text
from minitransfer.config_wording import option_name


def _refused_from_command(command):
    """The reading before: the solver's options parsed back out of the printed command."""
    given = dict(zip(command, command[1:]))
    fields = {name: given.get(option_name(name)) for name in optim.SOLVER_FIELDS}
    try:
        schedule = {name: (float if name in optim.RATES else int)(value)
                    for name, value in fields.items() if value is not None}
        optim.run_solver(**schedule)
    except optim.ScheduleError as error:
        if info._base_records(given.get(option_name("copy_from")), schedule):
            return ""
        return option_text(str(error).removeprefix("solver: "))
    except ValueError:
        return ""
    return ""


REFUSED = {"gamma": 0.1, "stepsize": 1, "max_iter": 40}  # 0.1 ** 39 is below float32's normal numbers
RECORDS = {
    "taken": {"max_iter": 40, "stepsize": 10},
    "refused": REFUSED,
    "refused-all-fields": {**REFUSED, "base_lr": 0.01, "momentum": 0.9, "weight_decay": 0.0005},
    "refused-int-rate": {**REFUSED, "base_lr": 1, "gamma": 1e-20},
    "old-text-numbers": {"gamma": "0.1", "stepsize": "1", "max_iter": "40"},
    "old-float-count": {**REFUSED, "max_iter": 40.0},
    "old-null-fields": {**REFUSED, "momentum": None, "base_lr": None},
    "old-false-field": {**REFUSED, "weight_decay": False},
    "zero-decay": {**REFUSED, "weight_decay": 0},
    "true-count": {**REFUSED, "stepsize": True},
    "nan-rate": {**REFUSED, "base_lr": float("nan")},
    "bad-momentum": {**REFUSED, "momentum": 1.5},
    "invocation-and-unknown": {**REFUSED, "resume": True, "lr_policy": "step", "quiet": False},
    "copy-of-a-missing-base": {**REFUSED, "copy_from": "nowhere/baseA.h5", "n": 3},
    "copy-empty-base": {**REFUSED, "copy_from": ""},
}


@pytest.mark.parametrize("name", RECORDS)
def test_the_recorded_configuration_says_what_the_printed_command_said(name):
    config = {"preset": "mini", "data": "data/set", "out": "net.h5", "frozen": False, "cuda_graph": False,
              **RECORDS[name]}
    assert info._schedule_refused(config) == _refused_from_command(train_command(config))


def test_the_oracle_tells_a_refused_schedule_from_a_taken_one():
    assert _refused_from_command(train_command(RECORDS["refused"])).startswith("--gamma 0.1 steps")
    assert _refused_from_command(train_command(RECORDS["old-text-numbers"])).startswith("--gamma 0.1 steps")
    assert _refused_from_command(train_command(RECORDS["taken"])) == ""


def test_a_copy_whose_base_records_the_schedule_is_asked_of_its_recorded_base(monkeypatch):
    asked = []
    monkeypatch.setattr(info, "_base_records", lambda base, schedule: asked.append((base, schedule)) or True)
    assert info._schedule_refused({**REFUSED, "copy_from": "grid/baseA.h5"}) == ""
    assert asked == [("grid/baseA.h5", REFUSED)]
