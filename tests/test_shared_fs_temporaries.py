"""Temporaries in a folder the nodes of a cluster share (NFS: a grid folder, the data cache): each carries its
host as well as its PID (``.NAME.tmp-HOST-PID``, :func:`minitransfer.fileio.temporary_path`). Before, a
temporary carried the PID alone: a node removed another node's live temporary as a dead process's (that PID
runs nowhere here), and two nodes running one PID (containers' PIDs are small and alike) wrote one temporary.
Another host is played by patching ``socket.gethostname`` (and ``os.getpid``) as its temporary is named."""

import os
import socket
import time

from minitransfer import experiment, fileio, grid_launch, run_lock
from minitransfer.data import synthetic
from minitransfer.run_files import RunFiles

ABOVE_PID_MAX = 2**22 + 1  # above Linux's largest pid_max: no process here has it


def _named_on(monkeypatch, host, pid, path):
    """The temporary of ``path`` as the process ``pid`` of ``host`` names it."""
    with monkeypatch.context() as patched:
        patched.setattr(socket, "gethostname", lambda: host)
        patched.setattr(os, "getpid", lambda: pid)
        return fileio.temporary_path(path)


def _aged(path, seconds):
    then = time.time() - seconds
    os.utime(path, (then, then))
    return path


def test_a_train_taking_a_run_leaves_another_hosts_grid_output_apart_and_that_grid_tells_the_lost_race(
        tmp_path, monkeypatch):
    """Two grids on one grid folder from two nodes: node A's train of a run writes its output apart (a
    temporary of train.log carrying node A's grid's PID) while node B's train takes the run and opens its
    files. Node B removed node A's file as a dead process's: node A's train, refused, wrote its refusal into
    a removed file, and node A's grid counted the run FAILED instead of taken by another process."""
    run = tmp_path / "grid" / "runs" / "seed0" / "baseA"
    run.mkdir(parents=True)
    log = run / experiment.LOG_FILE
    apart = _named_on(monkeypatch, "nodeA", ABOVE_PID_MAX, log)
    apart.write_text("$ minitransfer train ...\n")
    with open(apart, "a") as train_output, run_lock.RunLock(run) as held:  # node A's train's stdout; node B's lock
        RunFiles(run, 0, fresh=True, lock=held)
        train_output.write(f"error: {run}{run_lock.BUSY}\n")
    assert apart.exists()
    with monkeypatch.context() as on_node_a:
        on_node_a.setattr(socket, "gethostname", lambda: "nodeA")
        on_node_a.setattr(os, "getpid", lambda: ABOVE_PID_MAX)
        lost = grid_launch.lost_race_apart(log, 2)
    assert lost and not apart.exists()


def test_two_hosts_grids_of_one_pid_keep_their_trains_output_apart(tmp_path, monkeypatch):
    """Node B's grid, of node A's grid's PID, starting the same run removed node A's train's output apart as
    an earlier process's of its PID (one name for both), losing what that train had written."""
    out, run = tmp_path / "grid", experiment.Run("seed0/baseA", "base", "all", 0)
    own_pid = os.getpid()
    with monkeypatch.context() as on_node_a:
        on_node_a.setattr(socket, "gethostname", lambda: "nodeA")
        _, apart_a = grid_launch.open_run_log(out, run, ["minitransfer", "train"], apart=True)
    with open(apart_a, "a") as train_output:
        train_output.write("node A's train: its output\n")
    with monkeypatch.context() as on_node_b:
        on_node_b.setattr(socket, "gethostname", lambda: "nodeB")
        _, apart_b = grid_launch.open_run_log(out, run, ["minitransfer", "train"], apart=True)
    assert os.getpid() == own_pid and apart_a != apart_b
    assert apart_a.read_text().endswith("node A's train: its output\n")


def test_stale_temporaries_are_this_hosts_of_dead_processes_and_other_hosts_untouched_for_a_day(
        tmp_path, monkeypatch):
    """This host's temporary is judged by its PID, as an earlier version's (no host in its name) is; another
    host's never by its PID (which means nothing here, a live process of it or none): kept while it may be
    written, removed once untouched for more than a day. Before, another host's name was not even read as a
    temporary (never removed), and its PID alone in the old name read as a dead process's here."""
    sleeper = os.getppid()  # a live process here
    here = socket.gethostname()
    paths = {
        "here dead": _named_on(monkeypatch, here, ABOVE_PID_MAX, tmp_path / "a.h5"),
        "here live": _named_on(monkeypatch, here, sleeper, tmp_path / "b.h5"),
        "old dead": tmp_path / f".c.h5.tmp-{ABOVE_PID_MAX}",
        "old live": tmp_path / f".d.h5.tmp-{sleeper}",
        "elsewhere fresh": _named_on(monkeypatch, "node-7", ABOVE_PID_MAX, tmp_path / "e.h5"),
        "elsewhere of a live PID here": _named_on(monkeypatch, "node-7", sleeper, tmp_path / "f.h5"),
        "elsewhere, hours idle": _named_on(monkeypatch, "10-0-0-5", ABOVE_PID_MAX, tmp_path / "g.h5"),
        "elsewhere, two days idle": _named_on(monkeypatch, "10-0-0-5", sleeper, tmp_path / "h.h5"),
    }
    for path in paths.values():
        path.write_bytes(b"half a file")
    _aged(paths["elsewhere, hours idle"], 5 * 3600)
    _aged(paths["elsewhere, two days idle"], 2 * 24 * 3600)
    removed = fileio.remove_stale_temporaries(tmp_path)
    assert sorted(removed) == sorted(paths[kind] for kind in ("here dead", "old dead", "elsewhere, two days idle"))
    # idle_s (the cache's hour) does not shorten another host's day
    assert fileio.remove_stale_temporaries(tmp_path, idle_s=3600) == []


def test_a_build_in_the_cache_leaves_another_hosts_build_of_the_same_pid(tmp_path, monkeypatch):
    """A HOME shared by containers on two nodes, each first run building the built-in set as the same PID:
    both built into one staging folder, this node renaming the other's folder, half built, into the cache."""
    path = synthetic.builtin_path(tmp_path)
    staging_b = _named_on(monkeypatch, "nodeB", os.getpid(), path)
    staging_b.mkdir()
    (staging_b / "train-00000.h5").write_bytes(b"node B's shard, half written")
    assert synthetic.builtin_dataset(tmp_path) == path
    assert (staging_b / "train-00000.h5").read_bytes() == b"node B's shard, half written"
    assert b"node B" not in (path / "train-00000.h5").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([path.name, staging_b.name])


def test_a_host_name_a_file_name_cannot_carry_is_carried_as_it_can(monkeypatch):
    """A temporary's name holds no "/" of a host's name, and stays short for a long one (a file name has at
    most 255 bytes); either is still read as another host's temporary."""
    odd = _named_on(monkeypatch, "a/b c", 7, "x.h5").name
    long = _named_on(monkeypatch, "n" * 200, 7, "x.h5").name
    assert odd == ".x.h5.tmp-a_b_c-7" and len(long) < 40 and long.startswith(".x.h5.tmp-")
    assert fileio._TEMPORARY.match(long).groups() == ("x.h5", long[len(".x.h5.tmp-"):-2], "7")
