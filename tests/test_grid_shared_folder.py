"""A grid folder shared by a group (mode 2775, umask 002): its lock files were created 0o644 whatever
the umask, so another user of the group could neither run nor finish the grid there, and was told
"cannot write in OUT", a folder they could write. They are created as open() creates a file (0o666
less the umask), and a lock file that is still another user's alone is named, with its owner.

Run as root, the other user is nobody (group nogroup) under setpriv, with the system's python3 (the
virtual environment's lies under /root) given this checkout and the environment's packages."""

import contextlib
import grp
import os
import pathlib
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import textwrap

import pytest

from minitransfer import run_lock
from minitransfer.data import lock as data_lock
from minitransfer.grid_folder import GridLock

SYSTEM_PYTHON = "/usr/bin/python3"
CHECKOUT = pathlib.Path(__file__).resolve().parents[1]

# A grid's locks taken and released in the folder argv[1], as `minitransfer experiment` takes them; its
# dry run's check of them (2 of 4 runs left); each refusal's message printed, else "locked" / "writable".
AS_ANOTHER_USER = textwrap.dedent("""
    import pathlib, sys
    from minitransfer import fileio, grid_folder, run_lock
    out = pathlib.Path(sys.argv[1])
    try:
        with grid_folder.GridLock(out, {}, print) as lock:
            lock.planned()
        print("locked")
    except (fileio.StorageError, run_lock.RunBusy) as error:
        print(type(error).__name__, error)
    try:
        grid_folder.check_writable(out, 2, 4)
        print("writable")
    except fileio.StorageError as error:
        print(error)
""")


# A run's lock and a dataset's (prepare's) taken and released in argv[1], each refusal's message printed.
LOCKS_AS_ANOTHER_USER = textwrap.dedent("""
    import pathlib, sys
    from minitransfer import fileio, run_lock
    from minitransfer.data import lock
    out = pathlib.Path(sys.argv[1])
    for take in (lambda: run_lock.RunLock(out / "run"), lambda: lock.writing(out / "data")):
        try:
            with take():
                print("locked")
        except (fileio.StorageError, run_lock.RunBusy) as error:
            print(error)
""")
# Locks left as a killed process leaves them (SIGKILL, a node lost): a run's lock file, a dataset's.
KILLED_HOLDING = ("import os, pathlib, sys; from minitransfer import run_lock; from minitransfer.data import lock; "
                  "out = pathlib.Path(sys.argv[1]); (out / 'data').mkdir(); "
                  "run_lock.RunLock(out / 'run').__enter__(); "
                  "reading = lock.shared(out / 'data'); reading.__enter__(); os._exit(0)")


def _killed_holding_locks(out):
    """:data:`KILLED_HOLDING` run in ``out`` by this user, under this process's umask."""
    subprocess.run([sys.executable, "-c", KILLED_HOLDING, str(out)], check=True, timeout=60,
                   env={**os.environ, "PYTHONPATH": str(CHECKOUT)})
    return out / "run" / "lock", out / "data" / "lock"


def _as_nobody(out, script=AS_ANOTHER_USER):
    """The lines ``script`` prints (by default the two of :data:`AS_ANOTHER_USER`), run as nobody
    (group nogroup alone)."""
    done = _run_as_nobody(out, script)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def _run_as_nobody(out, script):
    """``script`` run with the argument ``out`` as nobody (group nogroup alone): its completed process."""
    return subprocess.run(**as_nobody("-c", script, out), capture_output=True, text=True, timeout=60)


def as_nobody(*arguments):
    """subprocess's arguments for the system's python3 run with ``arguments`` as nobody (group nogroup alone),
    given this checkout and the environment's packages, in /tmp (HOME too)."""
    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/tmp", "LANG": "C.UTF-8",
                   "PYTHONPATH": f"{CHECKOUT}{os.pathsep}{sysconfig.get_paths()['purelib']}"}
    return {"args": ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", SYSTEM_PYTHON,
                     *map(str, arguments)], "env": environment, "cwd": "/tmp"}


@contextlib.contextmanager
def _umask(mask):
    previous = os.umask(mask)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.fixture
def group_folder():
    """A folder root made for the group nogroup (mode 2775) in /tmp, where nobody may reach it; skipped
    where this test cannot run as another user."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None or not os.path.exists(SYSTEM_PYTHON):
        pytest.skip("needs root, setpriv and /usr/bin/python3 to run as another user")
    found = subprocess.run([SYSTEM_PYTHON, "-c", "import sys; print(sys.version_info[:2])"], capture_output=True,
                           text=True)
    if found.stdout.strip() != str(sys.version_info[:2]):
        pytest.skip(f"{SYSTEM_PYTHON} is not Python {sys.version_info[:2]}, whose packages the environment holds")
    folder = pathlib.Path(tempfile.mkdtemp(prefix="shared-grid-", dir="/tmp"))
    try:
        os.chown(folder, 0, grp.getgrnam("nogroup").gr_gid)
        folder.chmod(0o2775)
        yield folder
    finally:
        shutil.rmtree(folder)


def test_a_grid_folder_shared_by_a_group_can_be_locked_by_each_of_its_users(group_folder):
    with _umask(0o002):  # the group's: its users write each other's files
        with GridLock(group_folder, {}, print) as lock:
            lock.planned()
    assert _as_nobody(group_folder) == ["locked", "writable"]


def test_a_lock_file_another_user_alone_may_write_is_named_with_its_owner(group_folder):
    """Lock files 0o644 (an older version's, or a umask 022 in the group's folder): nobody's grid and its
    dry run said "cannot write in OUT (Permission denied)", a folder nobody may write."""
    with _umask(0o022):
        with GridLock(group_folder, {}, print) as lock:
            lock.planned()
    planning, working = group_folder / GridLock.PLANNING, group_folder / GridLock.WORKING
    locked, dry_run = _as_nobody(group_folder)
    assert locked == (f"LockFileRefused cannot open {planning}, the grid's lock file, for writing (Permission denied; "
                      f"it is root's, mode 644), though this process may write in {group_folder}: a grid opens it "
                      f"to plan and to train there; ask root to let this user write them (chmod g+w {planning} "
                      f"{working}, for a group that shares the folder: minitransfer makes its files so where the "
                      f"umask lets the group write, e.g. umask 002), or give a folder this process can write (a copy "
                      f"of this one keeps its finished runs)")
    assert dry_run.startswith(f"cannot open {planning}, the grid's lock file, for writing (Permission denied; it is "
                              f"root's, mode 644), though this process may write in {group_folder}: 2 of 4 runs are "
                              f"left to train there; ask root"), dry_run
    subprocess.run(["chmod", "g+w", str(planning), str(working)], check=True)  # as its message says
    assert _as_nobody(group_folder) == ["locked", "writable"]


def test_a_run_and_a_dataset_a_group_shares_are_locked_by_each_of_its_users(group_folder):
    """Run and dataset lock files were made 0o644 whatever the umask: another user of the group could
    neither resume a run another killed nor prepare a dataset another read ("cannot write RUN/lock")."""
    with _umask(0o002):
        for lock in _killed_holding_locks(group_folder):
            assert lock.stat().st_mode & 0o777 == 0o664
    assert _as_nobody(group_folder, LOCKS_AS_ANOTHER_USER) == ["locked", "locked"]


def test_a_run_lock_file_another_user_alone_may_write_is_named_with_its_owner(group_folder):
    """A run's lock file 0o644 (an older version's, or a umask 022): said as "cannot write RUN/lock:
    Permission denied", the run folder this user may write not named as the fault."""
    with _umask(0o022):
        run, data = _killed_holding_locks(group_folder)
    for folder in (run.parent, data.parent):
        folder.chmod(0o2775)  # the group's folders, though their lock files are root's alone
    refused = [f"cannot open {lock}, the lock file of {lock.parent}, for writing (Permission denied; it is root's, "
               f"mode 644), though this process may write in {lock.parent}: minitransfer takes it to train, prepare "
               f"or report there; ask root to let this user write it (chmod g+w {lock}, for a group that shares the "
               f"folder: minitransfer makes its files so where the umask lets the group write, e.g. umask 002), "
               f"or remove it once no process works there" for lock in (run, data)]
    assert _as_nobody(group_folder, LOCKS_AS_ANOTHER_USER) == refused
    subprocess.run(["chmod", "g+w", str(run), str(data)], check=True)  # as its message says
    assert _as_nobody(group_folder, LOCKS_AS_ANOTHER_USER) == ["locked", "locked"]


def test_a_run_and_a_dataset_whose_lock_file_another_user_alone_may_write_are_busy_while_held(group_folder):
    """A lock file 0o644 (an older version's, or a umask 022) held now by the process that made it:
    another user of the group was told it could not write it (exit code 74: ask its owner to chmod it,
    or remove it "once no process works there"), not that a process works there (exit code 2, naming
    it), as the lock's other users are; only a free one is refused so (the test above)."""
    run, data = group_folder / "run", group_folder / "data"
    for folder in (run, data):
        folder.mkdir()
        folder.chmod(0o2775)  # the group's folders; their lock files root's alone
    pid = os.getpid()
    with _umask(0o022):
        with run_lock.RunLock(run), data_lock.shared(data):  # a training, reading the dataset
            assert (run / "lock").stat().st_mode & 0o777 == 0o644
            busy = _as_nobody(group_folder, LOCKS_AS_ANOTHER_USER)
        with data_lock.writing(data):  # a prepare
            preparing = _as_nobody(group_folder, LOCKS_AS_ANOTHER_USER)[1]
    assert busy == [f"{run} is in use by another minitransfer process (PID {pid} of user root); wait for it to finish "
                    f"or stop it, then rerun",
                    f"{data} is being read by another minitransfer process (a training, an evaluation or a verify) "
                    f"(PID {pid} of user root); preparing it would replace the files it reads: wait for it to finish "
                    f"or stop it, then rerun"]
    assert preparing == (f"{data} is being prepared by another minitransfer process (PID {pid} of user root): wait for "
                         f"it to finish, or give another OUT")


def test_a_grid_folder_whose_lock_files_another_user_alone_may_write_is_busy_while_a_grid_works_there(group_folder):
    """Grid lock files 0o644 while the grid that made them plans, then trains: another user's grid there
    was told it could not write the planning lock (exit code 74), not that a grid works there."""
    busy = (f"RunBusy {group_folder} is in use by another minitransfer process (PID {os.getpid()} of user root), a "
            f"grid planning or training its runs there; wait for it to finish or stop it, then rerun")
    with _umask(0o022):
        with GridLock(group_folder, {}, print) as lock:
            planning = _as_nobody(group_folder)[0]
            lock.planned()
            training = _as_nobody(group_folder)[0]
    assert (planning, training) == (busy, busy)
    assert _as_nobody(group_folder)[0].startswith(f"LockFileRefused cannot open {group_folder / GridLock.PLANNING}")


def test_a_run_log_another_user_alone_may_write_is_named_with_the_same_advice(group_folder):
    """A run's log 0o644 that a grid's launcher (:mod:`minitransfer.launcher`) of another user cannot
    open: its advice was worded apart from the lock files' ("ask root to let this user write it: chmod
    g+w LOG"), without why the group may not write it."""
    log = group_folder / "baseA.log"
    with _umask(0o022):
        log.touch()
    started = _run_as_nobody(group_folder, "import os, sys; from minitransfer import launcher; "
                                           "launcher._child(['train'], sys.argv[1] + '/baseA.log', os.getpid())")
    assert started.returncode == 74
    assert started.stderr == (f"error: cannot write {log}: Permission denied (it is root's, mode 644); ask root to "
                              f"let this user write it (chmod g+w {log}, for a group that shares the folder: "
                              f"minitransfer makes its files so where the umask lets the group write, e.g. umask "
                              f"002); its run did not start\n")
