"""In a log, ``prepare``'s progress (:class:`minitransfer.progress.StageProgress`) showed a line a tenth of a stage
but none within 5 s of the one before, so a stage whose end came soon after its 90% line left that line last:
"folder: 540/600 (90%)" read as an import stalled there while it wrote its mean image and meta.json, or went on
with a stage too quick to show. A stage that showed a line now ends with its 100% line; a stage that showed none
(an import of seconds) still shows none, and an evaluation (:class:`.EvaluationProgress`, its scores said at once)
none at its end."""

import io
import time
import types

import pytest

from minitransfer.progress import EvaluationProgress, Progress, StageProgress


@pytest.fixture
def clock(monkeypatch):
    """The time StageProgress reads, moved on by the tests (``clock.now``)."""
    clock = types.SimpleNamespace(now=1000.0)
    monkeypatch.setattr(time, "perf_counter", lambda: clock.now)
    return clock


def _run(progress, clock, steps, total, stage=None):
    """``progress`` told of each image of ``total``, ``steps(done)`` seconds after the one before."""
    for done in range(1, total + 1):
        clock.now += steps(done)
        progress(done, total, stage)


def test_a_stage_that_ends_seconds_after_its_90_percent_line_ends_with_its_100_percent_line(clock):
    stream = io.StringIO()
    progress = StageProgress("folder", bar=False, stream=stream)
    # 6 s a tenth up to 540 of 600 (a line each tenth), then the last 60 in 0.6 s
    _run(progress, clock, lambda done: 0.1 if done <= 540 else 0.01, 600)
    _run(progress, clock, lambda done: 0.001, 10, "verifying")  # 10 ms: no line of its own
    lines = stream.getvalue().splitlines()
    assert lines == [f"folder: {60 * tenth}/600 ({10 * tenth}%)" for tenth in range(1, 10)] + ["folder: 600/600 (100%)"]


def test_the_100_percent_line_is_said_once_and_a_stage_said_whole_adds_none(clock):
    stream = io.StringIO()
    progress = StageProgress("folder", bar=False, stream=stream)
    _run(progress, clock, lambda done: 6, 10, "examining files")  # each tenth 6 s after the last: 10 lines
    progress(10, 10, "examining files")  # told again at its end
    lines = stream.getvalue().splitlines()
    assert lines == [f"folder: examining files: {done}/10 ({10 * done}%)" for done in range(1, 11)]


def test_a_stage_too_quick_for_a_line_shows_none_at_its_end(clock):
    stream = io.StringIO()
    progress = StageProgress("folder", bar=False, stream=stream)
    _run(progress, clock, lambda done: 0.04, 100)  # 4 s in all: under LINE_GAP_SECONDS
    assert stream.getvalue() == ""


def test_an_evaluation_shows_no_100_percent_line(clock):
    stream = io.StringIO()
    progress = EvaluationProgress("eval at 2", bar=False, stream=stream)
    # 1 s an image: a line at LINE_SECONDS (30 images); the 10 left in 0.1 s
    _run(progress, clock, lambda done: 1 if done <= Progress.LINE_SECONDS else 0.01, 40)
    assert stream.getvalue().splitlines() == ["eval at 2: 30/40 (75%)"]
