"""Progress while ``prepare`` decodes, on a fake clock: the importers' ``progress`` was called every 1000 images
only, so 1000 large JPEGs (36 s) left a log without a line, where one is promised at least every
:attr:`minitransfer.progress.Progress.LINE_SECONDS` (as ``train`` does)."""

import math

import pytest

from minitransfer.data import build, folder, shard_builder
from minitransfer.progress import Progress


class SlowImages:
    """A clock that moves only as images are decoded: ``step`` seconds each (:meth:`decoding`)."""

    def __init__(self, step):
        self.now, self.step = 0.0, step

    def __call__(self):
        return self.now

    def decoding(self, load_item):
        def slow(*args, **kwargs):
            self.now += self.step
            return load_item(*args, **kwargs)
        return slow


@pytest.mark.parametrize("step", [0.3, 0.45])
def test_decoding_reports_progress_by_time_not_only_by_count(tmp_path, image_bytes, write_files, monkeypatch, step):
    """Each image takes ``step`` s, under PROGRESS_SECONDS: a line comes once PROGRESS_SECONDS have passed since
    the one before (not after every image, not only every PROGRESS_EVERY images or at the end)."""
    clock = SlowImages(step)
    monkeypatch.setattr(shard_builder, "_clock", clock)
    monkeypatch.setattr(build, "load_item", clock.decoding(build.load_item))
    files = {f"{name}/{index}.png": image_bytes((30 * number + index, 9, 9), kind="PNG")
             for number, name in enumerate(["a", "b"]) for index in range(15)}
    calls = []

    def progress(done, total, stage=None):
        if stage is None:  # decoding
            calls.append((clock.now, done, total))

    folder.import_folder(write_files(tmp_path / "src", files), tmp_path / "out", size=8, workers=0,
                         val_fraction=0, progress=progress)
    assert calls[-1][1:] == (len(files), len(files))
    timed = [0.0] + [now for now, done, _ in calls if done < len(files)]  # the last: the end's, whenever it comes
    gaps = [later - earlier for earlier, later in zip(timed, timed[1:])]
    per_line = math.ceil(shard_builder.PROGRESS_SECONDS / step)  # images decoded between two lines
    assert len(gaps) == (len(files) - 1) // per_line, calls
    assert all(shard_builder.PROGRESS_SECONDS <= gap < shard_builder.PROGRESS_SECONDS + step for gap in gaps), calls
    assert shard_builder.PROGRESS_SECONDS < Progress.LINE_SECONDS
    assert [done for _, done, _ in calls] == sorted(done for _, done, _ in calls)
