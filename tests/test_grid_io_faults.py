"""A grid whose files fail to be written once it has begun (a run's train.log, its own output under
``> grid.log``): the disk full, read-only, an I/O error. It stops, stopping its trainings, and still
ends with what it did (finished, stopped, not started), the error, what to do and that the same
command, rerun, keeps its finished runs (exit 74, never a traceback). The runs are the fake train of
test_grid_failures, which here finishes each at once."""

import errno
import functools
import os
import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner

from minitransfer import fileio, scheduler
from refusing import refuse_appending
from test_grid_failures import FAKE_TRAIN

ARGUMENTS = ["--layers", "1", "--no-fine-tuned", "--max-iter", "4", "--device", "cpu"]
SUMMARY = ("1 trained, 0 already done, 0 failed, 0 stopped with a checkpoint, 3 not started (a rerun trains them); "
           "results in {out} ")
RERUN = "then rerun the same command to finish the grid: it keeps the runs finished and resumes those stopped from " \
        "their checkpoints"


@pytest.fixture
def fake_train(tmp_path, monkeypatch):
    path = tmp_path / "fake_train.py"
    path.write_text(FAKE_TRAIN)
    monkeypatch.setenv("FAKE_ENDS", "none=0")
    return [sys.executable, str(path)]


def grid_refusing_base_b(micro_data, tmp_path, fake_train, monkeypatch, code):
    """The grid's command run on the fake train, baseB's train.log refused with the system error ``code``: (the
    grid's folder, that log, the CliRunner's result)."""
    from minitransfer.cli import main

    monkeypatch.setattr(scheduler, "run_grid", functools.partial(scheduler.run_grid, train_command=fake_train,
                                                                 poll_seconds=0.01))
    out = tmp_path / "grid"
    log = out / "random0" / "baseB.run" / "train.log"
    refuse_appending(monkeypatch, log, code)
    return out, log, CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", str(out), *ARGUMENTS])


@pytest.mark.parametrize("code, fix", [(errno.ENOSPC, "free some space"), (errno.EROFS, "make it writable"),
                                       (errno.EIO, "fix that")], ids=["full", "read-only", "io-error"])
def test_a_run_log_that_cannot_be_begun_ends_the_grid_with_its_summary_and_what_to_do(micro_data, tmp_path, fake_train,
                                                                                      monkeypatch, code, fix):
    """baseA finished, baseB's train.log refused: exit 74 on the error alone, without the grid's end."""
    out, log, result = grid_refusing_base_b(micro_data, tmp_path, fake_train, monkeypatch, code)
    assert result.exit_code == 74, result.output
    assert "\n" + SUMMARY.format(out=out) in result.output, result.output
    assert f"\nerror: cannot write {log}: {os.strerror(code)}" in result.output
    assert result.output.endswith(f"; {fix}, {RERUN}\n"), result.output
    assert "Traceback" not in result.output


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full, where every write is ENOSPC")
def test_a_grid_whose_output_cannot_be_written_says_its_summary_on_stderr(micro_data, tmp_path, fake_train):
    """`experiment > grid.log` on a full disk: its first line stops the grid, which exited 74 saying that
    standard output could not be written, and nothing of what it had done or how to go on."""
    script = textwrap.dedent(f"""
        import functools
        from minitransfer import scheduler
        from minitransfer.cli import main

        scheduler.run_grid = functools.partial(scheduler.run_grid, train_command={fake_train!r}, poll_seconds=0.01)
        main(["experiment", "--data", {str(micro_data)!r}, "-o", {str(tmp_path / "grid")!r}, *{ARGUMENTS!r}],
             prog_name="minitransfer")
        """)
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-c", script], stdout=full, stderr=subprocess.PIPE, text=True,
                                timeout=120)
    assert result.returncode == 74, result.stderr
    assert "\n0 trained, 0 already done, 0 failed, 0 stopped with a checkpoint, 4 not started (a rerun trains them); " \
           "results in " in result.stderr, result.stderr
    assert result.stderr.endswith(f"\nerror: standard output could not be written: No space left on device; free some "
                                  f"space, {RERUN}\n"), result.stderr


def test_a_run_folder_the_plan_cannot_make_is_named_with_what_to_do(micro_data, tmp_path, fake_train, monkeypatch):
    """A disk out of inodes as the plan makes a run's folder (seen on a tmpfs): "error: I/O: [Errno 28]
    No space left on device: '.../B1B.run'", where a file of the plan says what is left and what to do."""
    from minitransfer.cli import main

    out = tmp_path / "grid"
    mkdir = type(out).mkdir

    def out_of_inodes_at_b1b(path, *args, **kwargs):
        if path == out / "random0" / "B1B.run":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        mkdir(path, *args, **kwargs)

    monkeypatch.setattr(type(out), "mkdir", out_of_inodes_at_b1b)
    result = CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", str(out), *ARGUMENTS])
    assert result.exit_code == 74, result.output
    assert f"\nerror: cannot write {out}/random0/B1B.run: No space left on device (" in result.output, result.output
    assert result.output.endswith(f"; {fileio.RERUN}\n") and "Traceback" not in result.output


@pytest.mark.parametrize("in_the_way", ["random0/baseA.run", "random0"], ids=["run-folder", "split-folder"])
def test_a_file_where_a_run_folder_belongs_is_named_with_what_to_do(micro_data, tmp_path, in_the_way):
    """A file put where the plan makes a run's folder (or the folder of its split): before, "error:
    cannot write OUT/random0/baseA.run: File exists" (or "Not a directory"), with nothing to do. The
    dry run refuses it as the grid does (before: "error: I/O: [Errno 20] Not a directory:
    '.../baseA.run/lock'", or the run listed as to do), and the grid writes no plan it cannot start."""
    from minitransfer.cli import main

    out = tmp_path / "grid"
    (out / in_the_way).parent.mkdir(parents=True)
    (out / in_the_way).write_text("notes")
    refusal = (f"\nerror: cannot make the run folder {out}/random0/baseA.run: {out / in_the_way} is in its way, and is "
               f"no folder; move it away, then rerun\n")
    for dry_run in (["--dry-run"], []):
        result = CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", str(out), *ARGUMENTS, *dry_run])
        assert result.exit_code == 74, result.output
        assert result.output.endswith(refusal), result.output
    assert (out / in_the_way).read_text() == "notes"
    assert not (out / "experiment.json").exists()
