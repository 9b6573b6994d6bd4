"""The grid's closing counts say which runs a failed base cost and which a stop left for a rerun:
"0 not run, 1 stopped with a checkpoint, 3 not started" read as two words for one thing."""

import pytest

from minitransfer.grid_outcome import GridOutcome


@pytest.mark.parametrize("waited_for, said", [
    ({"random0/A1B": "random0/baseA"}, "1 not run (its base did not finish)"),
    ({"random0/A1B": "random0/baseA", "random0/A2B": "random0/baseA"}, "2 not run (their base did not finish)"),
    ({"random0/A1B": None}, "1 not run (every GPU was retired)"),
    ({"random0/A1B": "random0/baseA", "random0/baseB": None},
     "2 not run (its base did not finish or every GPU was retired)"),
], ids=["one", "two", "gpus-retired", "both-ways"])
def test_runs_not_run_are_counted_with_why_and_only_when_there_are_some(waited_for, said):
    outcome = GridOutcome(["random0/baseB"], [], ["random0/baseA"], dict(waited_for))
    assert outcome.summary() == f"1 trained, 0 already done, 1 failed, {said}"
    assert GridOutcome(["random0/baseB"], [], [], {}).summary() == "1 trained, 0 already done, 0 failed"


@pytest.mark.parametrize("not_started, said", [
    (["random0/A1B", "random0/B1B", "random0/A2B"], "3 not started (a rerun trains them)"),
    (["random0/A1B"], "1 not started (a rerun trains it)"),
    ([], "0 not started"),
], ids=["three", "one", "none"])
def test_runs_a_stop_left_are_said_to_be_trained_by_a_rerun(not_started, said):
    """The summary after Ctrl-C: "2 trained, 0 already done, 0 failed, 0 not run, 1 stopped with a
    checkpoint, 3 not started"."""
    outcome = GridOutcome(["random0/baseA", "random0/baseB"], [], [], {}, interrupted=True,
                          stopped=["random0/A3B"], not_started=not_started)
    assert outcome.summary() == f"2 trained, 0 already done, 0 failed, 1 stopped with a checkpoint, {said}"


def test_every_gpu_retired_is_said_once_naming_them_and_some_retired_each_with_its_logs():
    logs = {"GPU 0": ["a.log", "b.log"], "GPU 2": ["c.log", "d.log"]}
    every = GridOutcome([], [], ["a", "b", "c", "d"], {}, retired=dict(logs), gpus=["GPU 0", "GPU 2"])
    assert every.retirements() == ["every GPU retired (GPU 0, GPU 2): runs failed on each of them one after the "
                                   "other (see the failed runs' logs)"]
    some = GridOutcome([], [], ["a", "b", "c", "d"], {}, retired=dict(logs), gpus=["GPU 0", "GPU 1", "GPU 2"])
    assert some.retirements() == [f"{gpu} retired: its runs failed one after the other (see {', '.join(its)})"
                                  for gpu, its in logs.items()]
