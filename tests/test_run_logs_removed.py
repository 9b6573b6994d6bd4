"""A run log (metrics.jsonl, eval.csv) removed or replaced by hand while the run trains: the run
stops (exit code 74) naming the file, rather than log on into a new file without its earlier rows,
or into one it did not write."""

import re
import shutil

import pytest
from click.testing import CliRunner

from minitransfer import train as training
from minitransfer.cli import main

OPTIONS = ["--batch-size", "8", "--max-iter", "8", "--eval-every", "2", "--checkpoint-every", "2", "--seed", "4",
           "--quiet", "--device", "cpu"]


def _remove(path):
    path.unlink()


def _replace(path):
    """Another file under its name, as an editor's save leaves it: the same rows."""
    shutil.copy(path, path.with_name("copy"))
    path.with_name("copy").replace(path)


REMOVED = (r"removed while the run wrote to it: its earlier rows \(.*\) are not there; stopped rather than log on "
           r"without them")
# a copy holds the same rows: "its earlier rows are not there" was wrong
REPLACED = (r"replaced while the run wrote to it: another file now has its name; its rows may not be the run's "
            r"\(.*\); stopped rather than log on into it")


@pytest.mark.parametrize("name, damage, what", [
    ("metrics.jsonl", _remove, REMOVED),
    ("metrics.jsonl", _replace, REPLACED),
    ("eval.csv", _replace, REPLACED),
], ids=["metrics-removed", "metrics-replaced", "eval-replaced"])
def test_a_run_log_removed_or_replaced_mid_run_stops_it_with_exit_74(micro_data, tmp_path, monkeypatch, name, damage,
                                                                      what):
    """metrics.jsonl removed after iteration 3: the run went on writing a new one from row 4, the
    curve's first rows lost without a word (eval.csv's removal alone was noticed)."""
    out = tmp_path / "net.h5"
    log = out.with_suffix(".run") / name
    real_iterations = training._iterations

    def damaged_after_3(run, on_iteration):
        return real_iterations(run, lambda done: damage(log) if done == 3 else None)

    monkeypatch.setattr(training, "_iterations", damaged_after_3)
    result = CliRunner().invoke(main, ["train", "--data", micro_data, "-o", str(out), *OPTIONS])
    assert result.exit_code == 74, result.output
    assert "Traceback" not in result.output
    assert re.fullmatch(rf"error: {re.escape(str(log))} was {what}: put the run's file back and rerun with --resume "
                        rf"auto, or start the run over with --overwrite", result.output.strip()), result.output
    assert not out.exists()
