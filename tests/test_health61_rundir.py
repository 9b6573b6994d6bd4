"""Code health: :func:`minitransfer.rundir.recorded_weights` read a run's result.json on its own
(Path.read_text), outside the report's one reader of a run's files
(:func:`minitransfer.run_file_readers.read_json`): inside ``reads_shared`` the report's read of a base's
result.json did not serve it (two reads of one version, which could pair two versions of the file), and a
result.json that is a named pipe hung it, where the report refuses one. Now it reads through that reader."""

import json
import os
import threading

from minitransfer import rundir, run_file_readers
from test_health_60 import _reads_of_results


def _base(tmp_path):
    """A weights file and the result.json of its run recording it as train does (its size and mtime)."""
    out = tmp_path / "baseA.h5"
    out.write_bytes(b"not read: the record is trusted")
    status = os.stat(out)
    rundir.run_dir_for(out).mkdir()
    weights = {"sha256": "a" * 64, "size": status.st_size, "mtime_ns": status.st_mtime_ns, "network_sha256": "b" * 64}
    (rundir.run_dir_for(out) / rundir.RESULT_FILE).write_text(json.dumps({"weights": weights}))
    return out, weights


def test_inside_shared_reads_the_report_s_read_of_result_json_serves_the_weights_record(tmp_path, monkeypatch):
    out, weights = _base(tmp_path)
    reads = _reads_of_results(monkeypatch)  # by Path.read_text or by the report's reader
    with run_file_readers.reads_shared():
        result = rundir.run_dir_for(out) / rundir.RESULT_FILE
        assert run_file_readers.read_json(result, dict)["weights"] == weights  # the report's reading
        assert rundir.recorded_weights(out, os.stat(out)) == weights
        assert rundir.recorded_sha256(out, os.stat(out)) == "a" * 64
    assert len(reads) == 1, reads


def test_a_result_json_that_is_a_named_pipe_is_no_record_and_is_not_waited_on(tmp_path):
    out, _ = _base(tmp_path)
    result = rundir.run_dir_for(out) / rundir.RESULT_FILE
    result.unlink()
    os.mkfifo(result)
    got = []
    reader = threading.Thread(target=lambda: got.append(rundir.recorded_sha256(out, os.stat(out))), daemon=True)
    reader.start()
    reader.join(timeout=10)
    hung = reader.is_alive()
    if hung:  # release the reader blocked opening the pipe: a writer opens it and closes it (end of file)
        os.close(os.open(result, os.O_WRONLY | os.O_NONBLOCK))
        reader.join(timeout=10)
    assert not hung, "recorded_sha256 waited on a named pipe for a writer"
    assert got == [None]


def test_a_record_of_this_file_is_trusted_and_of_another_version_is_not(tmp_path):
    """Behaviour kept outside shared reads: the record read, trusted while the file has its size and time."""
    out, weights = _base(tmp_path)
    assert rundir.recorded_weights(out, os.stat(out)) == weights
    out.write_bytes(b"written again: another size")
    assert rundir.recorded_weights(out, os.stat(out)) is None
