"""Code health: the digest of a base's network that its run's result.json records
(:func:`minitransfer.checkpoint_identity.weights_network_sha256`, a grid's check of the base a transfer copied, and
report's of a base) was read from the file twice, once to trust its record of the weights file
(:func:`minitransfer.rundir.recorded_sha256`) and again for the network's digest: now once
(:func:`minitransfer.rundir.recorded_weights`)."""

import json
import os
import pathlib

from minitransfer import checkpoint_identity, run_file_readers, rundir


def _base(tmp_path, network="b" * 64):
    """A weights file and the result.json of its run recording it as train does (its size and mtime)."""
    out = tmp_path / "baseA.h5"
    out.write_bytes(b"not read: the record is trusted")
    status = os.stat(out)
    run = rundir.run_dir_for(out)
    run.mkdir()
    weights = {"sha256": "a" * 64, "size": status.st_size, "mtime_ns": status.st_mtime_ns, "network_sha256": network}
    (run / rundir.RESULT_FILE).write_text(json.dumps({"weights": weights}))
    return out


def _reads_of_results(monkeypatch):
    """The reads of a result.json: by Path.read_text, or by the report's reader of a run's files."""
    reads, read_text = [], pathlib.Path.read_text

    def counted(path, *args, **kwargs):
        reads.extend([path] if path.name == rundir.RESULT_FILE else [])
        return read_text(path, *args, **kwargs)

    def counted_open(path, *args, **kwargs):
        reads.extend([path] if pathlib.Path(path).name == rundir.RESULT_FILE else [])
        return open(path, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "read_text", counted)
    monkeypatch.setattr(run_file_readers, "open", counted_open, raising=False)
    return reads


def test_the_recorded_network_digest_is_read_with_one_read_of_result_json(tmp_path, monkeypatch):
    out = _base(tmp_path)
    reads = _reads_of_results(monkeypatch)
    assert checkpoint_identity.weights_network_sha256(out) == "b" * 64
    assert len(reads) == 1


def test_a_record_of_another_file_version_or_without_a_network_digest_is_none(tmp_path):
    """Behaviour kept: a record that no longer holds of the file, or holds no digest of its network, gives
    none (the file is then read: here, not a checkpoint, so None)."""
    out = _base(tmp_path, network="")
    assert checkpoint_identity._recorded_network(out, os.stat(out)) is None
    out.write_bytes(b"written again: another size")
    assert checkpoint_identity._recorded_network(out, os.stat(out)) is None
    assert checkpoint_identity.weights_network_sha256(out) is None
