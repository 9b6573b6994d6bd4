"""A run resumed keeps the settings its user chose for it that do not change its numbers
(`checkpoint_every`, `log_every`) where they are left unset, whether `resume` names its run folder
or its checkpoint file or is 'auto' (a rerun of its command line without them); given, they change. A resumption used to
take the preset's defaults for them, silently: a run checkpointed every 2 iterations went on every
300 (micro), and a kill lost 23 iterations instead of at most 2."""

import json

import pytest
from interrupting import interrupted_after

from minitransfer import checkpoint as checkpoints
from minitransfer import models
from minitransfer import train as training

FAST = {"batch_size": 8, "max_iter": 8, "eval_every": 4, "device": "cpu", "quiet": True}
CHOSEN = {"checkpoint_every": 2, "log_every": 1}  # neither the micro preset's
WAYS = ["run folder", "checkpoint file", "auto"]  # README: "with any --resume"


class Killed(Exception):
    """A resumption ended between checkpoints, as a SIGKILL ends it: nothing more is written."""


def _killed_at(iteration):
    def kill(done):
        if done == iteration:
            raise Killed(done)
    return kill


def _started(micro_data, tmp_path):
    """The run net.h5 with the settings CHOSEN, interrupted after its first iteration; its run folder."""
    preset = models.PRESETS["micro"]
    assert (preset.checkpoint_every, preset.log_every) != tuple(CHOSEN.values())  # else the test proves nothing
    interrupted_after(training.TrainConfig(out=str(tmp_path / "net.h5"), data=micro_data, **FAST, **CHOSEN), 1)
    return tmp_path / "net.run"


def _resumption(way, run, micro_data, **given):
    """The run of ``run`` resumed without the settings CHOSEN: its run folder named (which takes the
    options the run recorded), or its command line rerun without them with `resume` its checkpoint
    file or 'auto'."""
    if way == "run folder":
        return training.TrainConfig(resume=str(run), device="cpu", quiet=True, **given)
    resume = str(run / "checkpoint.h5") if way == "checkpoint file" else "auto"
    return training.TrainConfig(out=str(run.with_suffix(".h5")), data=micro_data, resume=resume, **FAST, **given)


def _record(run):
    return json.loads((run / "config.json").read_text())


@pytest.mark.parametrize("way", WAYS)
def test_settings_left_unset_are_the_runs_own(micro_data, tmp_path, way):
    run = _started(micro_data, tmp_path)
    with pytest.raises(Killed):
        training.train(_resumption(way, run, micro_data), on_iteration=_killed_at(6))
    assert checkpoints.load(run / "checkpoint.h5").iteration == 4  # every 2: 2, 4 (6 killed before it)
    assert {name: _record(run)[name] for name in CHOSEN} == CHOSEN
    training.train(_resumption(way, run, micro_data))
    logged = [row["iteration"] for row in map(json.loads, (run / "metrics.jsonl").read_text().splitlines())
              if "event" not in row]
    assert sorted(set(logged)) == list(range(1, FAST["max_iter"] + 1))  # every 1, before and after each resumption
    weights = checkpoints.read_meta(tmp_path / "net.h5")["config"]
    assert {name: weights[name] for name in CHOSEN} == {name: _record(run)[name] for name in CHOSEN} == CHOSEN


@pytest.mark.parametrize("way", WAYS)
def test_settings_given_on_resume_change(micro_data, tmp_path, way):
    run = _started(micro_data, tmp_path)
    with pytest.raises(Killed):
        training.train(_resumption(way, run, micro_data, checkpoint_every=5), on_iteration=_killed_at(7))
    assert checkpoints.load(run / "checkpoint.h5").iteration == 5
    assert _record(run)["checkpoint_every"] == 5 and _record(run)["log_every"] == CHOSEN["log_every"]


@pytest.mark.parametrize("way", WAYS)
def test_settings_left_unset_are_the_runs_own_with_an_eval_batch_size_given(micro_data, tmp_path, way):
    """Kept at one point, before the memory check, from the record read before the run's lock: given
    `eval_batch_size` (and `data`), that record was not read, and only resume_point kept them."""
    run = _started(micro_data, tmp_path)
    with pytest.raises(Killed):
        training.train(_resumption(way, run, micro_data, eval_batch_size=4), on_iteration=_killed_at(6))
    assert checkpoints.load(run / "checkpoint.h5").iteration == 4  # every 2, as the run chose
    assert {name: _record(run)[name] for name in CHOSEN} == CHOSEN and _record(run)["eval_batch_size"] == 4


def test_settings_left_unset_are_the_runs_own_resumed_auto_without_out(micro_data, tmp_path, monkeypatch):
    """`resume` 'auto' without `out` (train --resume auto without -o): the run is named only once the
    configuration is resolved (its default name), after the record read before the lock; its settings
    went back to the preset's, and an `eval_batch_size` left unset was refused ("4 -> 8")."""
    monkeypatch.chdir(tmp_path)
    fields = {"data": micro_data, "split": "all", **FAST}
    interrupted_after(training.TrainConfig(**fields, **CHOSEN, eval_batch_size=4), 1)
    run, = tmp_path.glob("*.run")
    with pytest.raises(Killed):
        training.train(training.TrainConfig(resume="auto", **fields), on_iteration=_killed_at(6))
    assert checkpoints.load(run / "checkpoint.h5").iteration == 4  # every 2, as the run chose
    assert {name: _record(run)[name] for name in CHOSEN} == CHOSEN and _record(run)["eval_batch_size"] == 4
