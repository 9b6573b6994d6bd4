"""A run directory and what a run shows while it trains: run files, progress, stop requests.

The weights file ``out`` (e.g. ``baseA.h5``) is written once, at the end. Beside it, the *run
directory* ``<out without suffix>.run/`` (``baseA.run/``) holds:

    config.json      the fully resolved configuration (every default filled in)
    metrics.jsonl    one JSON object every log_every iterations ({"iteration", "loss", "top1", "lr",
                     "seconds"}: that iteration's batch loss and top-1, as Caffe displays them)
                     and per evaluation ({"event": "eval", "iteration", "top1", "top5", "loss"})
    eval.csv         iteration,top1,top5,loss: one row per evaluation on the half's val images
    checkpoint.h5    the latest resumable checkpoint (weights + momentum + iteration + data cursor)
    result.json      final, best and mean-of-10-best top-1 (the paper's metric), and more
"""

import contextlib
import csv
import json
import pathlib
import signal
import sys
import threading
import time

from minitransfer import fileio


def run_dir_for(out):
    """The run directory of weights file ``out``: ``baseA.h5`` → ``baseA.run``."""
    out = pathlib.Path(out)
    return out.with_name(out.stem + ".run") if out.suffix else out.with_name(out.name + ".run")


class RunFiles:
    """metrics.jsonl and eval.csv of a run directory; on resume, rows after the checkpoint are dropped."""

    EVAL_COLUMNS = ("iteration", "top1", "top5", "loss")

    def __init__(self, run_dir, start_iteration, fresh):
        self.run_dir = pathlib.Path(run_dir)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.config = self.run_dir / "config.json"
        self.metrics = self.run_dir / "metrics.jsonl"
        self.eval_csv = self.run_dir / "eval.csv"
        self.checkpoint = self.run_dir / "checkpoint.h5"
        self.result = self.run_dir / "result.json"
        if fresh:
            for path in (self.metrics, self.eval_csv, self.result, self.checkpoint):
                path.unlink(missing_ok=True)
        else:
            self._truncate(start_iteration)
        if not self.eval_csv.exists():
            self.eval_csv.write_text(",".join(self.EVAL_COLUMNS) + "\n")

    def _truncate(self, iteration):
        if self.metrics.exists():
            kept = [line for line in self.metrics.read_text().splitlines()
                    if line.strip() and json.loads(line).get("iteration", 0) <= iteration]
            fileio.write_text(self.metrics, "".join(line + "\n" for line in kept))
        rows = [row for row in self.eval_rows() if row["iteration"] <= iteration]
        fileio.write_text(self.eval_csv, ",".join(self.EVAL_COLUMNS) + "\n" + "".join(
            ",".join(repr(row[key]) for key in self.EVAL_COLUMNS) + "\n" for row in rows))

    def write_json(self, path, record):
        fileio.write_text(path, json.dumps(record, indent=2) + "\n")

    def log(self, record):
        with open(self.metrics, "a") as stream:
            stream.write(json.dumps(record) + "\n")

    def add_eval(self, iteration, scores):
        row = {"iteration": int(iteration), **{k: float(scores[k]) for k in ("top1", "top5", "loss")}}
        with open(self.eval_csv, "a") as stream:
            stream.write(",".join(repr(row[key]) for key in self.EVAL_COLUMNS) + "\n")
        self.log({"event": "eval", **row})
        return row

    def eval_rows(self):
        if not self.eval_csv.exists():
            return []
        with open(self.eval_csv, newline="") as stream:
            return [{"iteration": int(r["iteration"]), "top1": float(r["top1"]), "top5": float(r["top5"]),
                     "loss": float(r["loss"])} for r in csv.DictReader(stream)]


class Progress:
    """A progress bar on a terminal, one plain line every ``every`` iterations otherwise."""

    def __init__(self, total, start, bar, quiet, every, stream=None):
        self.total, self.bar, self.quiet, self.every = total, bar, quiet, every
        self.stream = stream or sys.stderr
        self.started, self.start = time.perf_counter(), start

    def iteration(self, done, loss, lr):
        if self.quiet:
            return
        rate = (done - self.start) / max(time.perf_counter() - self.started, 1e-9)
        if self.bar:
            width = 30
            filled = int(width * done / self.total)
            self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{self.total} "
                              f"loss {loss:.4f} lr {lr:.3g} {rate:.1f} it/s ")
            self.stream.flush()
        elif done % self.every == 0 or done == self.total:
            self.line(f"iteration {done}/{self.total} loss {loss:.4f} lr {lr:.3g} {rate:.1f} it/s")

    def line(self, text):
        if self.quiet:
            return
        if self.bar:
            self.stream.write("\r\033[K")
        self.stream.write(text + "\n")
        self.stream.flush()

    def close(self):
        if self.bar and not self.quiet:
            self.stream.write("\n")
            self.stream.flush()


@contextlib.contextmanager
def stop_requests():
    """Turn SIGINT / SIGTERM into a flag checked between iterations (main thread only): yields a
    list that holds the signal's name once one arrived."""
    requested = []
    if threading.current_thread() is not threading.main_thread():
        yield requested
        return

    def handler(signum, frame):
        requested.append(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield requested
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
