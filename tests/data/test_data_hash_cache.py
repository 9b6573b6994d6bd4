"""The record of dataset files found intact (:mod:`minitransfer.data.integrity`): a later process does not
hash a file found intact again until it changes, and a change that restores the file's size and
modification time (a rewrite in place, a rename over it) is hashed again and caught. A record that is
damaged, of another folder, or cannot be written costs hashing, never a wrong answer or a failed run."""

import json
import os
import pathlib
import pwd
import re
import subprocess
import sys
import time

import pytest

from minitransfer.data import dataset, integrity, synthetic

FILES = ["mean.h5", "train-00000.h5", "train-00001.h5", "train-00002.h5", "val-00000.h5"]


@pytest.fixture
def hashed(monkeypatch):
    """The names of the files hashed, in order; each test starts as a fresh process would (nothing
    remembered in this one), and files count as settled as soon as they are written."""
    names = []
    real = integrity.fileio.sha256_file
    monkeypatch.setattr(integrity.fileio, "sha256_file",
                        lambda path: names.append(pathlib.Path(path).name) or real(path))
    monkeypatch.setattr(integrity, "_intact_files", set())
    monkeypatch.setattr(integrity, "_unrecorded_warned", set())
    monkeypatch.setattr(integrity, "UNSETTLED_NS", 0)
    return names


def _new_process(monkeypatch):
    monkeypatch.setattr(integrity, "_intact_files", set())


def _record_of(folder):
    path, _ = integrity._record_path(folder)
    return path


def _flip_in_place(path, position=200):
    """Flip a byte of ``path`` without replacing it, then set its modification time back: its
    size and mtime as before, only its ctime (which nothing sets back) changed."""
    before = os.stat(path)
    _wait_for_a_later_ctime(path.parent, before.st_ctime_ns)
    with open(path, "r+b") as stream:
        stream.seek(position)
        byte = stream.read(1)[0]
        stream.seek(position)
        stream.write(bytes([byte ^ 0x01]))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = os.stat(path)
    assert (after.st_ino, after.st_size, after.st_mtime_ns) == (before.st_ino, before.st_size, before.st_mtime_ns)


def _wait_for_a_later_ctime(folder, ctime_ns):
    """Touch a probe file until the file system's clock has passed ``ctime_ns`` (its timestamps are
    taken once a clock tick): a write from now on gives a later ctime, however fast the machine."""
    probe = folder / ".probe"
    probe.write_bytes(b"")
    while os.stat(probe).st_ctime_ns <= ctime_ns:
        os.utime(probe)
    probe.unlink()


def test_a_later_process_does_not_hash_the_files_found_intact(copy, hashed, monkeypatch, capsys):
    dataset.open_dataset(copy).check_checksums()
    assert sorted(hashed) == FILES
    record = json.loads(_record_of(copy).read_text())
    assert record["dataset"] == str(copy.resolve()) and sorted(record["files"]) == FILES
    _new_process(monkeypatch)
    dataset.open_dataset(copy).check_checksums()
    assert len(hashed) == 5
    assert capsys.readouterr() == ("", "")


def test_a_second_process_does_not_hash_them(copy, hashed):
    dataset.open_dataset(copy).check_checksums()
    script = ("import sys; from minitransfer.data import dataset, integrity; hashed = []; "
              "real = integrity.fileio.sha256_file; "
              "integrity.fileio.sha256_file = lambda path: hashed.append(path) or real(path); "
              "dataset.open_dataset(sys.argv[1]).check_checksums(); print(len(hashed))")
    result = subprocess.run([sys.executable, "-c", script, str(copy)], capture_output=True, text=True, check=True,
                            env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
    assert result.stdout == "0\n" and result.stderr == ""


def test_a_file_rewritten_in_place_with_its_mtime_set_back_is_hashed_again(copy, hashed, monkeypatch):
    dataset.open_dataset(copy).check_checksums()
    _flip_in_place(copy / "train-00001.h5")
    _new_process(monkeypatch)
    with pytest.raises(dataset.DatasetError, match=r"train-00001\.h5: sha256 mismatch"):
        dataset.open_dataset(copy).check_checksums()
    assert hashed[5:] == ["train-00001.h5"]


def test_a_file_replaced_by_a_rename_with_its_mtime_set_back_is_hashed_again(copy, hashed, monkeypatch):
    shard = copy / "val-00000.h5"
    dataset.open_dataset(copy).check_checksums()
    before = os.stat(shard)
    damaged = bytearray(shard.read_bytes())
    damaged[300] ^= 0x01
    replacement = copy / "replacement"
    replacement.write_bytes(bytes(damaged))
    os.utime(replacement, ns=(before.st_atime_ns, before.st_mtime_ns))
    os.replace(replacement, shard)
    _new_process(monkeypatch)
    with pytest.raises(dataset.DatasetError, match=r"val-00000\.h5: sha256 mismatch"):
        dataset.open_dataset(copy).check_checksums()
    assert hashed[5:] == ["val-00000.h5"]


def test_a_file_just_written_is_not_recorded(copy, hashed, monkeypatch):
    """Its times might not change with a second write in the same clock tick."""
    monkeypatch.setattr(integrity, "UNSETTLED_NS", 10 ** 12)
    dataset.open_dataset(copy).check_checksums()
    assert not _record_of(copy).exists()
    _new_process(monkeypatch)
    dataset.open_dataset(copy).check_checksums()
    assert len(hashed) == 10


def _floats(record):
    for entry in record["files"].values():
        entry[0] = float(entry[0])  # equal to the device number, but not of the form written
    return record


@pytest.mark.parametrize("damage", [
    lambda record: b"\x00garbage{",
    lambda record: b"[" * 100_000,
    lambda record: b"[]",
    lambda record: json.dumps({**record, "files": []}).encode(),
    lambda record: json.dumps({**record, "files": {name: entry[:5] for name, entry in record["files"].items()}}
                              ).encode(),
    lambda record: json.dumps(_floats(record)).encode(),
    lambda record: json.dumps(record).encode()[:-20],
], ids=["garbage", "deep", "a-list", "files-a-list", "entries-short", "device-a-float", "cut-short"])
def test_a_damaged_record_is_ignored_and_replaced(copy, hashed, monkeypatch, capsys, damage):
    dataset.open_dataset(copy).check_checksums()
    record = _record_of(copy)
    record.write_bytes(damage(json.loads(record.read_text())))
    _new_process(monkeypatch)
    dataset.open_dataset(copy).check_checksums()
    assert sorted(hashed[5:]) == FILES
    assert sorted(json.loads(record.read_text())["files"]) == FILES
    assert capsys.readouterr() == ("", "")


def test_the_record_of_another_folder_is_not_used(copy, hashed, monkeypatch):
    """A folder moved: its files are the same, but its record is another's (by name, and by the
    folder its content names)."""
    dataset.open_dataset(copy).check_checksums()
    old_record = _record_of(copy)
    moved = copy.rename(copy.with_name("moved"))
    _new_process(monkeypatch)
    dataset.open_dataset(moved).check_checksums()
    assert sorted(hashed[5:]) == FILES
    old_record.write_bytes(_record_of(moved).read_bytes())  # the record under the old folder's name
    moved.rename(copy)
    _new_process(monkeypatch)
    dataset.open_dataset(copy).check_checksums()
    assert sorted(hashed[10:]) == FILES


@pytest.mark.parametrize("cache", ["read-only", "full", "a-file", "no-home"])
def test_a_record_that_cannot_be_written_is_said_once_and_the_check_goes_on(copy, hashed, monkeypatch, capsys,
                                                                           tmp_path, small_tmpfs, cache):
    if cache == "read-only":
        folder = small_tmpfs(tmp_path / "cache", read_only=True)
        reason = r"cannot write .*: Read-only file system"
    elif cache == "full":
        folder = small_tmpfs(tmp_path / "cache", size="8k")
        with pytest.raises(OSError):
            (folder / "filler").write_bytes(b"x" * 65536)
        reason = r"cannot write .*: No space left on device"
    elif cache == "a-file":
        folder = tmp_path / "cache"
        folder.write_text("")
        reason = r"cannot write .*: Not a directory"
    else:
        monkeypatch.delenv("HOME")
        monkeypatch.setattr(pwd, "getpwuid", lambda uid: (_ for _ in ()).throw(KeyError(uid)))
        folder = None
        reason = r"the home folder is unknown \(HOME is not set\)"
    if folder is None:
        monkeypatch.delenv("MINITRANSFER_CACHE")
    else:
        monkeypatch.setenv("MINITRANSFER_CACHE", str(folder))
    dataset.open_dataset(copy).check_checksums()
    _new_process(monkeypatch)
    dataset.open_dataset(copy).check_checksums()
    assert sorted(hashed) == sorted(FILES * 2)
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1, err
    assert err.startswith(f"warning: cannot record the files of {copy} found intact (")
    assert re.search(reason, err), err
    assert err.endswith("the next run hashes them again; set MINITRANSFER_CACHE to a folder that can be written\n")


def test_temporaries_a_crash_left_among_the_records_are_removed_when_a_record_is_next_written(copy, hashed):
    """A record's temporary left by a dead process an hour ago is removed; one of a live process, and a fresh
    one whose PID is not running here (another machine sharing the cache, writing it now), are kept."""
    records = _record_of(copy).parent
    records.mkdir(parents=True)
    dead = int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True).stdout)
    crashed, writing_elsewhere = records / f".a.json.tmp-{dead}", records / f".b.json.tmp-{dead}"
    writing_here = records / f".c.json.tmp-{os.getppid()}"
    hour_ago = time.time() - integrity.STALE_S - 60
    for path in (crashed, writing_elsewhere, writing_here):
        path.write_text("{")
    for path in (crashed, writing_here):
        os.utime(path, (hour_ago, hour_ago))
    dataset.open_dataset(copy).check_checksums()
    assert sorted(path.name for path in records.iterdir()) == sorted(
        [writing_elsewhere.name, writing_here.name, _record_of(copy).name])


def test_verify_hashes_every_file_whatever_is_recorded(copy, hashed, monkeypatch):
    data = dataset.open_dataset(copy)
    data.check_checksums()
    _new_process(monkeypatch)
    data.verify()
    assert sorted(hashed[5:]) == FILES


def _identities(folder):
    return {name: (found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns, found.st_ctime_ns)
            for name, found in ((name, os.stat(folder / name)) for name in FILES)}


@pytest.mark.parametrize("seed", [5, 6], ids=["same-content", "other-content"])
def test_preparing_again_hashes_what_it_rewrote(tmp_path, hashed, monkeypatch, seed):
    """A rebuild writes each file under a new inode (and a changed one with a new sha256 in meta.json),
    or leaves it untouched where its bytes would not change: that one alone is not hashed again."""
    out = tmp_path / "synthetic"
    parameters = dict(classes=6, train_per_class=12, val_per_class=4, size=16, shard_length=30)
    synthetic.build_synthetic(out, seed=5, **parameters)
    dataset.open_dataset(out).check_checksums()
    before = _identities(out)
    synthetic.build_synthetic(out, seed=seed, overwrite=True, **parameters)
    rewritten = sorted(name for name, status in _identities(out).items() if status != before[name])
    _new_process(monkeypatch)
    del hashed[:]  # the build's own hashes too
    dataset.open_dataset(out).check_checksums()
    assert sorted(hashed) == rewritten
    assert rewritten == ([] if seed == 5 else FILES)


WRITER = """
import json, os, pathlib, sys, time
from minitransfer.data import integrity
folder, signals, worker = sys.argv[1], pathlib.Path(sys.argv[2]), int(sys.argv[3])
record, _ = integrity._record_path(folder)
(signals / f"ready-{worker}").touch()
while not (signals / "go").exists():
    time.sleep(0.001)
for number in range(100):
    integrity._record(folder, {f"file-{worker}-{number}": (1, number, 2, 3, 4, "0" * 64)})
    json.loads(record.read_text())  # never a half-written record
"""


def test_processes_writing_the_record_at_once_leave_it_whole(tmp_path):
    folder, signals = tmp_path / "data", tmp_path / "signals"
    folder.mkdir()
    signals.mkdir()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(folder), str(signals), str(worker)], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE) for worker in range(3)]
    while len(list(signals.glob("ready-*"))) < len(writers):  # all started: they write at once
        assert all(writer.poll() is None for writer in writers)
        time.sleep(0.01)
    (signals / "go").touch()
    for writer in writers:
        out, err = writer.communicate(timeout=120)
        assert writer.returncode == 0 and (out, err) == (b"", b""), err.decode()
    entries = integrity._read_record(*integrity._record_path(folder))
    assert len(entries) == len(json.loads(_record_of(folder).read_text())["files"]) >= 1  # an entry may be lost
    assert all(entry == (1, int(name.split("-")[2]), 2, 3, 4, "0" * 64) for name, entry in entries.items())
    assert sorted(os.listdir(_record_of(folder).parent)) == [_record_of(folder).name]
