"""Code health: info's note that this version refuses a recorded schedule for a new network
(:func:`minitransfer.cli.info._schedule_refused`) read the schedule back from the train command it prints,
re-parsing the command line; it now reads the recorded configuration. What info says must not change: the
old reading, kept here as the oracle, against the new on records of this version and of earlier ones (numbers
as text, a float count, a field left out, true or false, fields no option sets). And a bug found there: a copy's
base was looked up by its recorded UTF-8 text, which names no file under LC_ALL=C or Latin-1, so a copy whose base
records the schedule was said to be refused there; it is looked up as this locale names it
(:func:`minitransfer.rundir.recorded_path`)."""

import pathlib
import subprocess
import sys
import textwrap

import pytest

from locales import ASCII_LOCALE, UTF8_LOCALE, environment_in, latin1_locale
from minitransfer import optim
from minitransfer.checkpoint_remake import train_command
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


REPOSITORY = pathlib.Path(__file__).resolve().parents[1]
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


_LOCALE_BASE = """
    import os
    from minitransfer import checkpoint as checkpoints
    from minitransfer.cli import info

    folder = os.fsdecode("grid/donn\\u00e9es".encode("utf-8"))  # the bytes train wrote, as this locale lists them
    os.makedirs(folder)
    open(os.path.join(folder, "baseA.h5"), "w").close()

    def read_meta(path):  # a base that records the schedule, where the path names its file
        if not os.path.isfile(path):
            raise checkpoints.CheckpointError(f"checkpoint {path!r}: no such file")
        return {"config": {"gamma": 0.1, "stepsize": 1, "max_iter": 40}}

    checkpoints.read_meta = read_meta
    refused = info._schedule_refused({"gamma": 0.1, "stepsize": 1, "max_iter": 40,
                                      "copy_from": "grid/donn\\u00e9es/baseA.h5"})  # recorded as UTF-8 text
    print(ascii(refused))
"""


@pytest.mark.parametrize("locale", ["C", "latin1", "C.UTF-8"])
def test_a_copy_whose_base_under_a_name_not_ascii_records_the_schedule_is_not_called_refused(tmp_path, locale):
    """Its base's path, recorded as UTF-8 text, was opened as it is: under LC_ALL=C or Latin-1 it named no file,
    so info said the schedule train takes for the copy (its base's) was refused for a new network."""
    environment = {"latin1": lambda: latin1_locale(tmp_path), "C": lambda: ASCII_LOCALE,
                   "C.UTF-8": lambda: UTF8_LOCALE}[locale]()
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(_LOCALE_BASE)], cwd=tmp_path, capture_output=True,
                          timeout=120, env={**environment_in(environment), "PYTHONPATH": str(REPOSITORY)})
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    assert done.stdout.decode("ascii").strip() == "''", done.stdout
