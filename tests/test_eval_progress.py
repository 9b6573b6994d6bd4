"""What an evaluation shows while it goes on (:class:`minitransfer.progress.EvaluationProgress`), on a
clock that moves only as batches are scored: 60,000 validation images on a CPU were 158 s without a
line, in ``eval`` and in each of ``train``'s evaluations, where progress is promised at least every
30 s (README). In a log a line each :attr:`Progress.LINE_SECONDS` and none for an evaluation of
seconds; on a terminal the bar ``prepare`` draws; stderr only (``eval --json``'s stdout is its JSON)."""

import json
import re
import time
import types

import pytest
from click.testing import CliRunner
from test_progress_width import screen

from minitransfer import config, evaluate, progress
from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.data import synthetic
from minitransfer.progress import Progress

IMAGES = 20  # half A's validation images: 4 classes of 5


class BatchClock:
    """``step`` seconds a batch scored: the clock of the progress displays alone."""

    def __init__(self, monkeypatch, step):
        self.now, self.step, self.batches = 1000.0, step, []
        monkeypatch.setattr(progress, "time", types.SimpleNamespace(**{**vars(time), "perf_counter": self}))
        scored = evaluate.until_stopped

        def slow(batches, stop):
            for batch in scored(batches, stop):
                self.now += step
                yield batch
                self.batches.append(self.now)
        monkeypatch.setattr(evaluate, "until_stopped", slow)

    def __call__(self):
        return self.now


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("eval-progress")
    data = folder / "synthetic-8"
    synthetic.build_synthetic(data, classes=8, train_per_class=6, val_per_class=5, size=15, seed=4)
    net = folder / "baseA.h5"
    training.train(run_config(net, data, quiet=True))
    return net, data


def run_config(net, data, **options):
    return config.TrainConfig(out=str(net), data=str(data), preset="micro", split="random", half="A", batch_size=8,
                              max_iter=2, eval_every=2, eval_batch_size=1, seed=2, device="cpu", **options)


def check_cadence(counts, clock):
    """``counts``: the images each line said, in order; a line once each LINE_SECONDS had passed since
    the last (or the start), never sooner, while the evaluation went on."""
    start, gap = clock.batches[0] - clock.step, Progress.LINE_SECONDS
    said_at = [clock.batches[count - 1] for count in counts]
    assert counts == sorted(counts) and all(0 < count <= IMAGES for count in counts), counts
    times = [start] + said_at
    for earlier, later in zip(times, times[1:]):
        assert gap <= later - earlier < gap + clock.step, (counts, said_at)
    assert clock.batches[-1] - times[-1] < gap, (counts, said_at)  # none due when it ended


def test_evaluate_tells_the_images_scored_after_each_batch(trained, monkeypatch):
    net, data = trained
    told = []
    scores = evaluate.evaluate_checkpoint(str(net), batch_size=3, progress=lambda done, total: told.append((done,
                                                                                                         total)))
    assert scores["images"] == IMAGES
    assert told == [(min(done, IMAGES), IMAGES) for done in range(3, IMAGES + 3, 3)]


def test_a_progress_that_cannot_be_called_is_refused_naming_it_before_anything_is_loaded(trained, monkeypatch):
    """progress=5 was a TypeError at the first batch, after the checkpoint and the images were loaded."""
    net, _ = trained
    monkeypatch.setattr(evaluate, "load_net", lambda *args, **kwargs: pytest.fail("loaded before the check"))
    with pytest.raises(config.ConfigError, match=r"`progress` must be a function taking \(images scored, images in "
                                                 r"all\), or None, got 5"):
        evaluate.evaluate_checkpoint(str(net), progress=5)


@pytest.mark.parametrize("step", [7.9, 0.5])  # 158 s in all, 10 s
def test_eval_in_a_log_says_a_line_every_thirty_seconds_on_stderr(trained, monkeypatch, step):
    net, _ = trained
    clock = BatchClock(monkeypatch, step)
    result = CliRunner().invoke(main, ["eval", str(net), "--json", "--batch-size", "1"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["images"] == IMAGES  # the JSON alone
    counts = [int(line[1]) for line in re.finditer(rf"^evaluating: (\d+)/{IMAGES} \(\d+%\)$", result.stderr, re.M)]
    assert result.stderr.count("\n") == len(counts), result.stderr
    assert (counts == []) == (step * IMAGES < Progress.LINE_SECONDS)
    check_cadence(counts, clock)


def test_trains_evaluation_in_a_log_says_a_line_every_thirty_seconds(trained, monkeypatch, capsys, tmp_path):
    _, data = trained
    clock = BatchClock(monkeypatch, 7.9)
    training.train(run_config(tmp_path / "net.h5", data, progress=False))
    shown = capsys.readouterr().err
    assert "\r" not in shown and "\033" not in shown
    counts = [int(line[1]) for line in re.finditer(rf"^eval at 2: (\d+)/{IMAGES} \(\d+%\)$", shown, re.M)]
    assert counts, shown
    check_cadence(counts, clock)
    assert re.search(r"^eval at 2: top-1 ", shown, re.M)


def test_trains_evaluation_on_a_terminal_draws_a_bar_and_erases_it(trained, monkeypatch, capsys, tmp_path):
    _, data = trained
    monkeypatch.setenv("COLUMNS", "60")
    BatchClock(monkeypatch, 1.0)
    training.train(run_config(tmp_path / "net.h5", data, progress=True))
    shown = capsys.readouterr().err
    drawn = re.findall(rf"\r\033\[Keval at 2 \[[#.]+\] (\d+)/{IMAGES} \(\d+%\)(?=\r)", shown)
    assert drawn and drawn[-1] == str(IMAGES), shown
    rows = screen(shown, 60)
    assert not any(row.startswith("eval at 2 [") for row in rows), rows  # erased: the scores' line in its place
    assert any(row.startswith("eval at 2: top-1 ") for row in rows), rows
