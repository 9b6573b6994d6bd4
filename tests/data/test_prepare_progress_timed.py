"""Progress while ``prepare`` decodes, on a fake clock: the importers' ``progress`` was called every 1000 images
only, so 1000 large JPEGs (36 s) left a log without a line, where one is promised at least every
:attr:`minitransfer.progress.Progress.LINE_SECONDS` (as ``train`` does)."""

from minitransfer.data import folder, shard_builder
from minitransfer.progress import Progress


class SlowImages:
    """A clock on which each reading is ``step`` seconds after the one before: an image decoded between two."""

    def __init__(self, step):
        self.now, self.step = 0.0, step

    def __call__(self):
        self.now += self.step
        return self.now


def test_decoding_reports_progress_by_time_not_only_by_count(tmp_path, image_bytes, write_files, monkeypatch):
    clock = SlowImages(step=4.0)
    monkeypatch.setattr(shard_builder, "_clock", clock)
    files = {f"{name}/{index}.png": image_bytes((30 * number + index, 9, 9), kind="PNG")
             for number, name in enumerate(["a", "b"]) for index in range(15)}
    calls = []

    def progress(done, total, stage=None):
        if stage is None:  # decoding
            calls.append((clock.now, done, total))

    folder.import_folder(write_files(tmp_path / "src", files), tmp_path / "out", size=8, workers=0,
                         val_fraction=0, progress=progress)
    times = [0.0] + [now for now, _, _ in calls]
    assert max(later - earlier for earlier, later in zip(times, times[1:])) < Progress.LINE_SECONDS, calls
    assert calls[-1][1:] == (len(files), len(files))
    assert [done for _, done, _ in calls] == sorted(done for _, done, _ in calls)
