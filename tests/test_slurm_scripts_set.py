"""``--emit-slurm``'s three scripts as one set: a set is replaced whole or not at all, and submit.sh
and each task refuse scripts of different sets (whose array indices name other runs)."""

import errno
import os
import subprocess

import pytest

from minitransfer import fileio, slurm
from minitransfer import experiment as grid
from test_slurm import (GUARD_SECONDS, OPTIONS, fake_slurm, fake_train_command, run_task,  # noqa: F401 (fixture)
                        sbatch_calls)

NAMES = (slurm.SUBMIT_FILE, slurm.BASES_FILE, slurm.TRANSFERS_FILE)


def emit(tmp_path, layers):
    return slurm.emit_slurm(grid.plan_grid(layers=layers), tmp_path / "grid", tmp_path / "slurm", OPTIONS,
                            train_command=fake_train_command(tmp_path))


def scripts_of(folder):
    return {path.name: path.read_bytes() for path in folder.iterdir() if path.is_file()}


def test_scripts_emitted_again_onto_a_full_disk_are_left_as_they_were(tmp_path, monkeypatch):
    """A full disk as bases.sh was written (seen on a tmpfs): submit.sh, written first, was the new
    plan's (8 transfers) beside the old bases.sh and transfers.sh (4): a mixed set that looks valid."""
    emit(tmp_path, (1,))
    before = scripts_of(tmp_path / "slurm")
    fsync = fileio.fsync_path

    def full_disk_for_bases(path):
        if slurm.BASES_FILE in os.fspath(path):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        fsync(path)

    monkeypatch.setattr(fileio, "fsync_path", full_disk_for_bases)
    with pytest.raises(fileio.StorageError, match=f"cannot write {tmp_path / 'slurm' / slurm.BASES_FILE}: No space"):
        emit(tmp_path, (1, 7))
    assert scripts_of(tmp_path / "slurm") == before  # no temporary left either

    monkeypatch.setattr(fileio, "fsync_path", fsync)
    emit(tmp_path, (1, 7))
    after = scripts_of(tmp_path / "slurm")
    assert set(after) == set(before) and all(after[name] != before[name] for name in NAMES)


def test_submit_refuses_array_scripts_of_another_set(tmp_path, fake_slurm):
    emit(tmp_path, (1,))
    old_bases = (tmp_path / "slurm" / slurm.BASES_FILE).read_bytes()
    submit = emit(tmp_path, (1, 7))
    (tmp_path / "slurm" / slurm.BASES_FILE).write_bytes(old_bases)
    done = subprocess.run(["bash", str(submit)], capture_output=True, text=True, timeout=GUARD_SECONDS)
    assert done.returncode == 2, done.stdout + done.stderr
    assert (f"nothing submitted: {tmp_path / 'slurm' / slurm.BASES_FILE} is not of the set of scripts this {submit} "
            "belongs to") in done.stderr
    assert sbatch_calls(fake_slurm) == []


def test_task_submitted_for_another_set_of_scripts_trains_nothing(tmp_path, fake_slurm):
    """The scripts written again between submit.sh's check and its sbatch: the task's array index
    would name another run than the one submit.sh recorded."""
    emit(tmp_path, (1,))
    task = run_task(tmp_path / "slurm", slurm.BASES_FILE, 0, scripts_id="0123456789abcdef")
    output = task.communicate(timeout=GUARD_SECONDS)[0]
    assert task.returncode == 2, output
    assert "array task 77_0: not trained: it was submitted for the scripts of set 0123456789abcdef" in output
    assert not (tmp_path / "grid" / "random0" / "baseA.run" / "events").exists()


def test_an_array_script_the_new_plan_has_no_runs_for_is_removed(tmp_path):
    """A plan emitted again without transfers left the earlier set's transfers.sh beside the new scripts,
    a script of another set that looks current; one the user wrote (not --emit-slurm's) is kept."""
    emit(tmp_path, (1,))
    emit(tmp_path, ())
    assert sorted(scripts_of(tmp_path / "slurm")) == sorted([slurm.SUBMIT_FILE, slurm.BASES_FILE])
    own = tmp_path / "slurm" / slurm.TRANSFERS_FILE
    own.write_text("#!/bin/bash\necho mine\n")
    emit(tmp_path, ())
    assert own.read_text() == "#!/bin/bash\necho mine\n"


def test_task_not_given_the_index_of_its_arrays_first_run_trains_nothing(tmp_path, fake_slurm):
    """submit.sh gives each task the index of its array's first run (arrays numbered from 0); a task
    without it (sbatch'ed by hand) would train another run than the one its index names."""
    emit(tmp_path, (1,))
    task = run_task(tmp_path / "slurm", slurm.BASES_FILE, 0, first="")
    output = task.communicate(timeout=GUARD_SECONDS)[0]
    assert task.returncode == 2, output
    assert ("array task 77_0: not trained: submit.sh gives the index of its array's first run after the id of the "
            "set of scripts, not nothing") in output
    assert not (tmp_path / "grid" / "random0" / "baseA.run" / "events").exists()
