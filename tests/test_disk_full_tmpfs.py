"""A really full disk: small tmpfs file systems (root with mount rights only; skipped elsewhere), which
fail where a monkeypatched write does not: on creating a file with megabytes free (no inode left),
and with the space a file system counts per block rather than per byte. Every mount is unmounted
when the test ends, failed or not."""

import os
import functools
import re
import shutil
import subprocess
import sys
import pytest
from click.testing import CliRunner

from minitransfer import fileio, scheduler
from minitransfer.cli import main
from minitransfer.experiment import default_train_command
from test_grid_failures import FAKE_TRAIN
from test_report import write_runs

MINITRANSFER = default_train_command()[:-1]
FAST = ["--batch-size", "8", "--max-iter", "4", "--eval-every", "2", "--quiet", "--device", "cpu"]


@pytest.fixture
def tmpfs(tmp_path):
    """``mount(folder, options)``: a tmpfs mounted on ``folder`` (created) with ``options``, e.g.
    "size=300k" or "nr_inodes=2"; skips where this process may not mount one. Unmounted afterwards."""
    mounted = []

    def mount(folder, options):
        if os.geteuid() != 0 or shutil.which("mount") is None:
            pytest.skip("mounting a tmpfs needs root and mount(8)")
        folder.mkdir()
        result = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True,
                                text=True)
        if result.returncode:
            pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip()}")
        mounted.append(folder)
        return folder

    yield mount
    for folder in reversed(mounted):
        subprocess.run(["umount", "-l", str(folder)], check=False)


def cli(args, cwd):
    return subprocess.run(MINITRANSFER + [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_a_disk_out_of_inodes_at_the_run_lock_leaves_no_empty_run_folder(micro_data, tmpfs, tmp_path):
    """Room for the run folder's entry but not for its lock file: exit 74 naming the lock file and the
    missing inodes, and no empty net.run left behind (it was, for a later run or report to puzzle over)."""
    disk = tmpfs(tmp_path / "disk", "size=20m,nr_inodes=2")  # the root folder and one more entry
    result = cli(["train", "--data", micro_data, "-o", disk / "net.h5", *FAST], tmp_path)
    assert result.returncode == 74, result.stderr
    assert f"cannot write {disk}/net.run/lock: No space left on device" in result.stderr
    assert "no inodes (file entries) left there" in result.stderr and "Traceback" not in result.stderr
    assert os.listdir(disk) == []


def report(args):
    """``minitransfer report ARGS`` in this process (what is tested is what it writes and says, its exit code):
    a subprocess cost its start, and drew figures that ``placeholder_figures`` does not reach."""
    result = CliRunner().invoke(main, ["report", *map(str, args)])
    result.returncode = result.exit_code
    return result


@pytest.mark.usefixtures("placeholder_figures")
def test_a_report_into_a_disk_out_of_inodes_leaves_no_empty_folder(tmpfs, tmp_path):
    """The same for report -o: the folder it made for its lock is removed again."""
    runs = write_runs(tmp_path / "grid")
    disk = tmpfs(tmp_path / "disk", "size=20m,nr_inodes=2")
    result = report([runs, "-o", disk / "report"])
    assert result.returncode == 74, result.stderr
    assert f"cannot write {disk}/report/lock: No space left on device" in result.stderr
    assert "Traceback" not in result.stderr
    assert os.listdir(disk) == []


def fill(disk, leave_blocks):
    """Fill ``disk`` with 4 KiB files until no space is left, then remove ``leave_blocks`` of them."""
    fillers = []
    try:
        while True:
            path = disk / f"filler-{len(fillers)}"
            with open(path, "wb") as stream:
                fillers.append(path)
                stream.write(b"x" * 4096)
    except OSError:
        fillers.pop().unlink()
    for path in fillers[:leave_blocks]:
        path.unlink()


@pytest.mark.usefixtures("placeholder_figures")
def test_a_report_that_cannot_fit_keeps_the_earlier_report_whole(tmpfs, tmp_path):
    """A rerun of report on a full disk removed the earlier report first and then failed a file or two
    into the new one, leaving part of a report where a whole one was. A report that cannot fit in the
    space free with the earlier one removed is refused before the folder is touched."""
    runs = write_runs(tmp_path / "grid")
    disk = tmpfs(tmp_path / "disk", "size=1m")
    out = disk / "report"
    out.mkdir()
    earlier = {"results.csv": b"run,mean10_top1\nrandom0/baseA,0.5\n", "findings.md": b"# Findings\n\nearlier\n"}
    for name, data in earlier.items():
        (out / name).write_bytes(data)
    fill(disk, leave_blocks=1)  # the lock file's block
    result = report([runs, "-o", out])
    assert result.returncode == 74, result.stderr
    assert f"cannot write the report into {out}: No space left on device (" in result.stderr
    assert "which are kept as they were); free some space and rerun" in result.stderr
    assert "Traceback" not in result.stderr
    assert {path.name: path.read_bytes() for path in out.iterdir()} == earlier


def test_the_space_needed_and_free_never_read_the_same_when_the_file_does_not_fit(tmpfs, tmp_path):
    """A 0.54 MB file on a disk with 0.52 MB free said "(0.5 MB needed, 0.5 MB free there)", which reads
    as though it fitted: as many decimals as it takes for the two to differ."""
    disk = tmpfs(tmp_path / "disk", "size=512k")
    free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
    size = free + 16_000
    with pytest.raises(fileio.StorageError) as raised:
        fileio.write_bytes(disk / "net.h5", b"w" * size)
    found = re.search(r"No space left on device \((\d+\.\d+) MB needed, (\d+\.\d+) MB free there\)", str(raised.value))
    assert found, raised.value
    needed_shown, free_shown = (float(number) * 1e6 for number in found.groups())
    assert needed_shown > free_shown
    assert abs(needed_shown - size) < 5_000 and abs(free_shown - free) < 5_000
    assert os.listdir(disk) == []


def test_output_to_a_file_on_a_full_disk_names_that_file(micro_data, tmpfs, tmp_path):
    """``splits DATA random > log`` with log's disk full said only "standard output could not be written": the
    file (and so the disk to free) is named, where stdout is a file."""
    disk = tmpfs(tmp_path / "disk", "size=64k")
    fill(disk, leave_blocks=0)
    log = disk / "info.txt"
    with open(log, "w") as stdout:
        result = subprocess.run(MINITRANSFER + ["splits", str(micro_data), "random"], cwd=tmp_path, stdout=stdout,
                                stderr=subprocess.PIPE, text=True, timeout=300)
    assert result.returncode == 74, result.stderr
    assert result.stderr == f"error: standard output (the file {log}) could not be written: No space left on device\n"


def test_a_run_with_a_checkpoint_whose_lock_cannot_be_made_is_told_to_rerun_with_resume(micro_data, tmpfs, tmp_path):
    """A run stopped by a full disk keeps its checkpoint; rerun on a disk still out of inodes, it failed at
    its lock with "free some space and rerun", whose plain rerun, once space is freed, is refused (the
    folder holds a run): the advice names --resume auto, as the other full-disk failures of a run do."""
    first = cli(["train", "--data", micro_data, "-o", tmp_path / "net.h5", "--checkpoint-every", "2", *FAST], tmp_path)
    assert first.returncode == 0, first.stderr
    disk = tmpfs(tmp_path / "disk", "size=20m,nr_inodes=64")
    shutil.copytree(tmp_path / "net.run", disk / "net.run")
    (disk / "net.run" / "lock").unlink(missing_ok=True)
    fillers = 0
    try:
        while True:
            (disk / f"filler-{fillers}").touch()
            fillers += 1
    except OSError:
        pass
    result = cli(["train", "--data", micro_data, "-o", disk / "net.h5", *FAST], tmp_path)
    assert result.returncode == 74, result.stderr
    assert f"cannot write {disk}/net.run/lock: No space left on device" in result.stderr
    assert result.stderr.rstrip().endswith("delete some files and rerun with --resume auto"), result.stderr


def test_a_grid_whose_disk_is_full_as_a_run_starts_ends_with_its_summary_and_how_to_go_on(micro_data, tmpfs,
                                                                                         tmp_path, monkeypatch):
    """baseA finishes and the disk is then full (its fake train fills it), as baseB's log is begun: the
    grid exited 74 on the error alone. It ends with what it did (1 trained, 3 not started) and that the
    same command, rerun once there is space, keeps the finished run; which it does. The log's line
    needed "0.0 MB" with "0.0 MB free there", which reads as though it fitted: said in bytes."""

    disk = tmpfs(tmp_path / "disk", "size=1m")
    (disk / "fillers").mkdir()
    fake_train = tmp_path / "fake_train.py"
    fake_train.write_text(FAKE_TRAIN)
    monkeypatch.setattr(scheduler, "run_grid", functools.partial(scheduler.run_grid, poll_seconds=0.01,
                                                                 train_command=[sys.executable, str(fake_train)]))
    monkeypatch.setenv("FAKE_ENDS", "baseA=fills")
    monkeypatch.setenv("FAKE_FILL", str(disk / "fillers"))
    out = disk / "grid"
    arguments = ["experiment", "--data", micro_data, "-o", str(out), "--layers", "1", "--no-fine-tuned",
                 "--max-iter", "4", "--device", "cpu"]
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code == 74, result.output
    assert f"\n1 trained, 0 already done, 0 failed, 0 stopped with a checkpoint, 3 not started (a rerun trains " \
           f"them); results in {out} " in result.output, result.output
    assert re.search(rf"\nerror: cannot write {re.escape(str(out))}/random0/baseB.run/train.log: No space left on "
                     rf"device \([1-9][0-9]* bytes needed, 0 bytes free there\); free some space, then rerun the "
                     rf"same command to finish the grid: it keeps the runs finished", result.output), result.output
    assert "Traceback" not in result.output
    shutil.rmtree(disk / "fillers")
    rerun = CliRunner().invoke(main, arguments)
    assert rerun.exit_code == 0, rerun.output
    assert "1 of 4 runs already finished; 3 to run" in rerun.output
    assert "3 trained, 1 already done, 0 failed; results in " in rerun.output
