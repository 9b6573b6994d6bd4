"""What ``prepare`` shows while it imports (:class:`minitransfer.progress.StageProgress`), on a fake
clock: in a pipe or a log a line each tenth of a stage that takes seconds, and none for an import of
seconds (400 images printed about 40 lines, one per tenth of each of its steps); on a terminal one bar
redrawn in place, erased before the summary."""

import io
import time

import pytest
from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.progress import Progress, StageProgress


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(time, "perf_counter", clock)
    return clock


def test_a_quick_import_in_a_log_shows_its_summary_only(tmp_path, image_bytes, write_files, clock):
    files = {f"train/{name}/{number}.png": image_bytes((base + number, 7, 9), size=(6, 4), kind="PNG")
             for name, base in (("a", 0), ("b", 60), ("c", 120), ("d", 180)) for number in range(12)}
    root = write_files(tmp_path / "src", files)
    result = CliRunner().invoke(main, ["prepare", "folder", str(root), str(tmp_path / "out"), "--size", "12",
                                       "--workers", "0", "--verify"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [f"{tmp_path / 'out'}: 4 classes, train 44, val 4 images of 12x12 (verified)"]


def test_a_slow_stage_shows_a_line_a_tenth_but_none_within_seconds_of_another(clock):
    stream = io.StringIO()
    progress = StageProgress("folder", bar=False, stream=stream)
    for done in range(1, 101):  # 25 s, a tenth each 2.5 s: a line each fifth (5 s)
        clock.now += 0.25
        progress(done, 100, "examining files")
    assert stream.getvalue().splitlines() == [f"folder: examining files: {done}/100 ({done}%)"
                                              for done in (20, 40, 60, 80, 100)]


def test_a_stage_slower_than_a_tenth_in_thirty_seconds_still_shows_a_line_every_thirty(clock):
    stream = io.StringIO()
    progress = StageProgress("imagenet", bar=False, stream=stream)
    for done in range(1000, 5000, 1000):
        clock.now += Progress.LINE_SECONDS
        progress(done, 100_000)
    assert stream.getvalue().splitlines() == [f"imagenet: {done}000/100000 ({done}%)" for done in (1, 2, 3, 4)]


def test_on_a_terminal_one_bar_is_redrawn_in_place_within_a_row_and_erased_at_the_end(clock, monkeypatch):
    monkeypatch.setenv("COLUMNS", "50")
    stream = io.StringIO()
    progress = StageProgress("folder", bar=True, stream=stream)
    for stage in ("listing training files", "finding validation copies of training images", None):
        for done in range(1, 1001):  # the clock stands still: the first and the last of each stage are drawn
            progress(done, 1000, stage)
    progress.close()
    shown = stream.getvalue()
    assert "\n" not in shown and shown.endswith("\r\033[K")
    drawn = [text for text in shown.split("\r\033[K") if text]
    assert drawn[-2:] == ["folder [....................] 1/1000 (0%)",
                          "folder [####################] 1000/1000 (100%)"]
    assert len(drawn) == 6 and all(len(text) < 50 for text in drawn), drawn
