"""A run trained by a SLURM task on a compute node, as the login node names it: the task's lock file
records its job and node, and a second process, a grid's dry run and info name "SLURM job 1234_5 on node
node7", which scancel and squeue take, not the PID of a process on another machine (meaningless here, and
maybe that of an unrelated process of this one). Records without them (older versions, a process outside
SLURM) read as before, and the record of a SLURM task still reads as "PID HOST" to older readers."""

import os
import pickle
import socket
import subprocess

import pytest

from minitransfer import experiment, grid_status, lock_holder, run_lock
from nfs_flock import as_another_process

ARRAY_TASK = {"SLURM_JOB_ID": "1240", "SLURM_ARRAY_JOB_ID": "1234", "SLURM_ARRAY_TASK_ID": "5",
              "SLURMD_NODENAME": "node7"}
PLAIN_JOB = {"SLURM_JOB_ID": "1240", "SLURMD_NODENAME": "node7"}


@pytest.fixture(autouse=True)
def outside_slurm(monkeypatch):
    """This test's own process as a login node's: not in a SLURM job, whatever runs the tests."""
    for name in ARRAY_TASK:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def taken_as(monkeypatch):
    """Take a run's lock as a process of the host ``host`` in the SLURM environment ``slurm`` takes it (another
    process of this test's PID, as :func:`nfs_flock.as_another_process` makes it); the run folder."""
    taken = []

    def take(out, host, slurm):
        run = experiment.plan_grid(layers=(1,), fine_tuned=False, selffer=False)[0]
        with monkeypatch.context() as patched:
            patched.setattr(socket, "gethostname", lambda: host)
            for name, value in slurm.items():
                patched.setenv(name, value)
            with as_another_process():
                taken.append(run_lock.RunLock(experiment.run_dir(out, run)).__enter__())
        return run

    yield take
    for lock in taken:
        os.close(lock._descriptor)  # as its process ends: its lock file stays, as a crash leaves it


def _job(slurm):
    """The job scancel takes, from the environment: task T of array job A is "A_T"."""
    if "SLURM_ARRAY_TASK_ID" in slurm:
        return f"{slurm['SLURM_ARRAY_JOB_ID']}_{slurm['SLURM_ARRAY_TASK_ID']}"
    return slurm["SLURM_JOB_ID"]


def _busy_words(run_dir):
    with pytest.raises(run_lock.RunBusy) as busy:
        run_lock.RunLock(run_dir).__enter__()
    return busy.value


@pytest.mark.parametrize("slurm", [ARRAY_TASK, PLAIN_JOB], ids=["array-task", "job"])
def test_a_slurm_task_on_another_node_is_named_by_its_job_and_node(tmp_path, taken_as, slurm):
    """Before, "[being trained by PID 4242 on host node7.cluster]": a PID of the compute node."""
    run = taken_as(tmp_path, "node7.cluster", slurm)
    run_dir = experiment.run_dir(tmp_path, run)
    named = f"SLURM job {_job(slurm)} on node {slurm['SLURMD_NODENAME']}"
    assert grid_status.run_status(tmp_path, run).words == f"being trained by {named}"  # the dry run's [status]
    found = run_lock.holder(run_dir)
    assert (found.job, found.node, found.host) == (_job(slurm), slurm["SLURMD_NODENAME"], "node7.cluster")
    busy = _busy_words(run_dir)
    assert f"in use by another minitransfer process ({named});" in str(busy)
    sent_back = pickle.loads(pickle.dumps(busy))  # as a process pool returns it
    assert run_lock.holder_named(sent_back.pid) == f" ({named})"
    assert not lock_holder.is_this_process(found)  # this PID, on another machine


def test_a_slurm_task_on_this_host_is_named_with_its_pid(tmp_path, taken_as):
    """Where the job runs on this machine (a login node that is a compute node too), its PID helps."""
    run = taken_as(tmp_path, socket.gethostname(), ARRAY_TASK)
    words = grid_status.run_status(tmp_path, run).words
    assert words == f"being trained by SLURM job {_job(ARRAY_TASK)} on node node7, PID {os.getpid()}"


def test_a_process_on_another_host_outside_slurm_is_named_by_its_pid_and_host(tmp_path, taken_as):
    run = taken_as(tmp_path, "node7.cluster", {})
    assert grid_status.run_status(tmp_path, run).words == f"being trained by PID {os.getpid()} on host node7.cluster"


@pytest.mark.parametrize("record, host", [(b"4242 node7\n", "node7"), (b"4242\n", None)], ids=["host", "pid-only"])
def test_an_older_record_reads_as_before(tmp_path, record, host):
    """Records of versions before the SLURM line: their PID and host, no job."""
    (tmp_path / run_lock.RunLock.FILE).write_bytes(record)
    descriptor = os.open(tmp_path / run_lock.RunLock.FILE, os.O_RDONLY)
    try:
        found = lock_holder.read_holder(descriptor)
    finally:
        os.close(descriptor)
    assert (found, found.host, found.job, found.node) == (4242, host, None, None)
    assert run_lock.holder_named(found) == (f" (PID 4242 on host {host})" if host else " (PID 4242)")


def test_a_slurm_record_reads_as_pid_and_host_to_older_readers(tmp_path, monkeypatch):
    """An older minitransfer reads the first RECORD_BYTES bytes, stripped, as "PID HOST"; an array task
    waiting for the run (slurm_array's waited_for_release) reads the first line with ``read -r pid host``."""
    monkeypatch.setattr(socket, "gethostname", lambda: "node7.cluster")
    for name, value in ARRAY_TASK.items():
        monkeypatch.setenv(name, value)
    record = lock_holder.this_process_record()
    assert record[:lock_holder.RECORD_BYTES].decode().strip().partition(" ")[::2] == (str(os.getpid()), "node7.cluster")
    (tmp_path / "lock").write_bytes(record)
    read = subprocess.run(["bash", "-c", 'read -r pid host < "$1"; printf "%s|%s" "$pid" "$host"', "-",
                           tmp_path / "lock"], capture_output=True, text=True, check=True)
    assert read.stdout == f"{os.getpid()}|node7.cluster"


def test_a_slurm_value_that_would_garble_the_record_is_left_out(tmp_path, taken_as):
    run = taken_as(tmp_path, "node7.cluster", dict(ARRAY_TASK, SLURMD_NODENAME="node7 SLURM_JOB_ID=1"))
    found = run_lock.holder(experiment.run_dir(tmp_path, run))
    assert (found.job, found.node) == (_job(ARRAY_TASK), None)
    assert run_lock.pid_named(found) == f"SLURM job {_job(ARRAY_TASK)} on host node7.cluster"


def _padded(first):
    """A SLURM task's first line as a reader finds it: "PID HOST" padded with blanks to RECORD_BYTES - 1 bytes."""
    first = first.encode()
    return first + b" " * (lock_holder.RECORD_BYTES - 1 - len(first))


SLURM_LINE = b"SLURM_JOB_ID=1240 SLURM_ARRAY_JOB_ID=1234 SLURM_ARRAY_TASK_ID=5 SLURMD_NODENAME=node7\n"
RECORDS = {
    "array-task": _padded("4242 node7.cluster") + b"\n" + SLURM_LINE,
    "this-host": _padded(f"4242 {socket.gethostname()}") + b"\n" + SLURM_LINE,
    "plain-job": _padded("4242 node7.cluster") + b"\nSLURM_JOB_ID=1240 SLURMD_NODENAME=node7\n",
    "no-node": _padded("4242 node7.cluster") + b"\nSLURM_JOB_ID=1240 SLURMD_NODENAME=node 7\n",
    "duplicate": _padded("4242 node7.cluster") + b"\n" + SLURM_LINE[:-1] + b" SLURM_JOB_ID=1;2\n",
    # another writer's short record over a SLURM task's (a file system without locks): its PID, not that job
    "interleaved": b"5555 nodeY\n" + (_padded("4242 node7.cluster") + b"\n" + SLURM_LINE)[11:],
    "line-cut-short": _padded("4242 node7.cluster") + b"\n" + SLURM_LINE[:40],
    "line-not-next": _padded("4242 node7.cluster") + b"\n\n" + SLURM_LINE,
    "older": b"4242 node7\n",
    "pid-only": b"4242\n",
    "not-written": b"",
}


def _read(path):
    descriptor = os.open(path, os.O_RDONLY)
    try:
        return lock_holder.read_holder(descriptor)
    finally:
        os.close(descriptor)


@pytest.mark.parametrize("record", RECORDS.values(), ids=RECORDS.keys())
def test_a_slurm_task_names_a_holder_in_the_words_of_the_python(tmp_path, record):
    """A SLURM task waiting for a run (slurm_array's waited_for_release) names its holder with the bash
    that lock_holder generates; the grid's dry run and errors with read_holder and pid_named: the same
    words, from the same record. Before, the task said "PID 4242 on host node7.cluster" of a SLURM task."""
    (tmp_path / "lock").write_bytes(record)
    found = _read(tmp_path / "lock")
    script = "\n".join([*lock_holder.holder_named_lines(), 'holder_named < "$1"; printf "%s" "$named"'])
    named = subprocess.run(["bash", "-c", script, "-", tmp_path / "lock"], capture_output=True, text=True,
                           check=True).stdout
    assert named == ("" if found is None else run_lock.pid_named(found))


def test_a_short_record_written_over_a_slurm_tasks_is_not_given_its_job(tmp_path):
    """Two writers at once (no locks): one truncates, the other writes its long record, the first its
    "5555 nodeY" at offset 0. Before, 5555 was named "SLURM job 1234_5 on node node7", that job's."""
    (tmp_path / "lock").write_bytes(RECORDS["interleaved"])
    found = _read(tmp_path / "lock")
    assert (found, found.host, found.job, found.node) == (5555, "nodeY", None, None)


def test_a_host_name_not_in_ascii_is_padded_in_bytes(tmp_path, monkeypatch):
    """Padded in characters, "nœud7" made the first line a byte longer than RECORD_BYTES - 1, past where
    readers look for the SLURM line."""
    monkeypatch.setattr(socket, "gethostname", lambda: "nœud7")
    for name, value in ARRAY_TASK.items():
        monkeypatch.setenv(name, value)
    record = lock_holder.this_process_record()
    assert record.index(b"\n") == lock_holder.RECORD_BYTES - 1
    (tmp_path / "lock").write_bytes(record)
    monkeypatch.setattr(socket, "gethostname", lambda: "login")
    found = _read(tmp_path / "lock")
    assert (found, found.host, found.job, found.node) == (os.getpid(), "nœud7", _job(ARRAY_TASK), "node7")
