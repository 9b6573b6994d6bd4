"""A limit of open files reached (``ulimit -n``) as a train reads its shards, starts its loader's workers or writes
its files is said as that limit, with what to raise: it was "a fault of the disk or file system" (a shard), "the
system is out of processes or memory" (a worker), or the bare "[Errno 24] Too many open files" (a loader's queue,
multiprocessing's resource tracker). The faults are real: a child process lowers its own limit to the descriptors it
holds, then reads or starts workers."""

import errno
import json
import resource
import subprocess
import sys
import textwrap

import pytest

from minitransfer import fileio, open_files

# The child: opens the dataset (its start check done), lowers its soft limit of open files to those it holds now
# (plus a spare few, its third argument), then reads or starts workers (its second); prints what it raised as JSON.
CHILD = textwrap.dedent("""
    import json, os, resource, sys
    from minitransfer.data import dataset, image_reader, loader
    data = dataset.open_dataset(sys.argv[1])
    data.check_checksums("train")
    indices = list(range(data.num_images("train")))
    mean = data.mean() if sys.argv[2] != "read" else None  # read before the limit: the workers meet it
    if sys.argv[2] == "tracked":  # multiprocessing's resource tracker running: the shared memory meets the limit
        from multiprocessing import resource_tracker
        resource_tracker.ensure_running()
    held = len(os.listdir("/proc/self/fd")) - 1  # less the listing's own
    resource.setrlimit(resource.RLIMIT_NOFILE, (held + int(sys.argv[3]), resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
    try:
        if sys.argv[2] == "read":
            image_reader.ImageReader(data, "train").read(indices)
        else:
            with loader.BatchLoader(data, "train", indices, [0] * len(indices), 4, 12, train=True, mean=mean,
                                    workers=2) as b:
                next(b)
        print(json.dumps(None))
    except Exception as error:
        print(json.dumps([type(error).__name__, str(error)]))
""")


def _child(path, action, spare):
    done = subprocess.run([sys.executable, "-c", CHILD, path, action, str(spare)], capture_output=True, text=True,
                          timeout=120, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def _soft_limit_said(message):
    return "limit of" in message and "open files" in message and "ulimit -n" in message


def test_shard_that_cannot_be_opened_for_the_limit_says_the_limit(micro_data):
    """Every shard read with no descriptor left: the first shard's open fails with EMFILE."""
    raised = _child(micro_data, "read", 0)
    assert raised is not None
    kind, message = raised
    assert kind == "DatasetUnreadable"  # exit 74, not "rerun the prepare command"
    assert "train-00000.h5" in message and _soft_limit_said(message)
    assert "fault of the disk" not in message


@pytest.mark.parametrize("action, spare", [("workers", 0), ("workers", 5), ("workers", 9), ("tracked", 0)])
def test_loader_workers_that_cannot_start_for_the_limit_say_the_limit(micro_data, action, spare):
    """No descriptor left (multiprocessing's resource tracker's pipe), or a few (the queues' pipes, the workers'
    own), or none once the resource tracker runs (the loader's shared memory)."""
    raised = _child(micro_data, action, spare)
    assert raised is not None
    kind, message = raised
    assert kind == "WorkerDied", message
    assert _soft_limit_said(message), message
    assert "out of processes or memory" not in message
    assert "Errno 24" in message  # the system's own words kept beside


def test_limit_words_name_the_limit_and_what_to_raise_it_to(monkeypatch):
    monkeypatch.setattr(resource, "getrlimit", lambda which: (256, 1 << 20))
    said = open_files.limit_reached(OSError(errno.EMFILE, "Too many open files"))
    assert "limit of 256 open files" in said and "ulimit -n 4096" in said
    monkeypatch.setattr(resource, "getrlimit", lambda which: (256, 256))
    assert "ulimit -Hn" in open_files.limit_reached(OSError(errno.EMFILE, "Too many open files"))
    hdf5 = OSError("Unable to synchronously open file (unable to open file: name = 'x.h5', errno = 24, error "
                   "message = 'Too many open files', flags = 0, o_flags = 0)")  # h5py's: no errno attribute
    assert "limit of 256 open files" in open_files.limit_reached(hdf5)
    assert "fs.file-max" in open_files.limit_reached(OSError(errno.ENFILE, "Too many open files in system"))
    assert open_files.limit_reached(OSError(errno.EIO, "Input/output error")) is None
    assert open_files.limit_reached(OSError("Unable to open file (file signature not found)")) is None


def test_write_refused_for_the_limit_says_what_to_raise(tmp_path):
    error = fileio.storage_error(tmp_path / "metrics.jsonl", OSError(errno.EMFILE, "Too many open files"))
    assert str(error).startswith(f"cannot write {tmp_path / 'metrics.jsonl'}: Too many open files: ")
    assert _soft_limit_said(str(error)) or "ulimit -Hn" in str(error)
    assert error.errno == errno.EMFILE
