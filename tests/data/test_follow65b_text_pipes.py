"""A named pipe given to the library as a text file to read (``import_folder(families=PIPE)``; the command line
refuses one as a usage error) is refused as bad data naming it, in the command line's words: the import waited for
ever for a writer, or, written once, read it twice (its digest, then its text). Each call is bounded here: where
it would wait, the pipe is opened for writing and closed, so that the wait ends and the test fails."""

import os
import threading
import time

import pytest
import waiting

from minitransfer.data import dataset, folder, text_files

SAID = ("is a named pipe, not a file: it would be read more than once (a pipe with no writer waits for ever); save "
        "its text to a file and give that")


def _bounded(call, pipe):
    """What ``call()`` raised, or returned; a failure where it still waits for a writer to ``pipe`` after a while."""
    got = {}

    def run():
        try:
            got["value"] = call()
        except Exception as error:  # noqa: BLE001 (the test's to look at)
            got["value"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(10)  # an os.stat of the pipe takes a millisecond; a wait for a writer lasts for ever
    if thread.is_alive():
        deadline = time.monotonic() + waiting.DEADLINE_SECONDS
        while thread.is_alive() and time.monotonic() < deadline:  # each wait (the pipe read twice) ended in turn
            try:
                os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))  # a writer that writes nothing: the wait ends
            except OSError:  # ENXIO: no reader waits at this moment
                pass
            thread.join(0.05)
        pytest.fail(f"waited for a writer to {pipe}; then got {got.get('value')!r}")
    return got["value"]


@pytest.mark.parametrize("read", [lambda pipe: text_files.read_text(pipe, "families file"),
                                  lambda pipe: text_files.file_record(pipe, "families file")],
                         ids=["read_text", "file_record"])
def test_a_named_pipe_with_no_writer_is_refused_not_waited_on(tmp_path, read):
    pipe = tmp_path / "families"
    os.mkfifo(pipe)
    refused = _bounded(lambda: read(pipe), pipe)
    assert isinstance(refused, dataset.DatasetError), refused
    assert str(refused) == f"{pipe}: the families file {SAID}"


def test_import_folder_given_a_named_pipe_as_its_families_file_refuses_it(tmp_path, image_bytes, write_files):
    source = write_files(tmp_path / "photos", {f"{name}/{number}.jpg": image_bytes((30 * number, 90, 40))
                                               for name in ("cat", "dog") for number in range(2)})
    pipe = tmp_path / "families"
    os.mkfifo(pipe)
    refused = _bounded(lambda: folder.import_folder(source, tmp_path / "out", families=pipe, size=12, workers=0), pipe)
    assert isinstance(refused, dataset.DatasetError), refused
    assert f"{pipe}: the families file {SAID}" in str(refused)
    assert text_files.not_a_file("a named pipe") == SAID  # the command line's words (cli/_paths.TextFile)
