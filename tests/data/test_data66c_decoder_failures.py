"""An import's decoding process that fails on an item: an error the command line says in words (the package's
own, a read the system refused) is raised as it is, as without workers; any other (a bug) as that worker's
:class:`WorkerDied` naming the item, the exception and the line that raised it. Before, every error was raised as
it was: a ValueError was told as a usage error (exit 2, "Error: invalid literal for int() ..."), a TypeError as
a traceback naming no file."""

import functools
import os
import re
import zipfile

import pytest

from minitransfer.data import archives, decode, decoder_pool


def _first_error(function, items):
    pool = decoder_pool.DecoderPool(function, workers=1)
    try:
        with pytest.raises(Exception) as raised:
            list(pool.map(items))
        return raised.value, pool.processes[0].pid
    finally:
        pool.close()


def test_a_bugs_error_is_the_worker_failing_on_the_item_in_words():
    error, pid = _first_error(int, ["1", "x", "3"])
    assert type(error) is decoder_pool.WorkerDied
    assert re.fullmatch(rf"decoding process 1 of 1 \(PID {pid}\) failed on 'x': ValueError: invalid literal for "
                        rf"int\(\) with base 10: 'x' \(in \w+, \w+\.py:\d+\)", str(error)), str(error)


def test_an_import_item_is_named_by_its_file(tmp_path, image_bytes):
    path = tmp_path / "1.png"
    path.write_bytes(image_bytes((10, 20, 30), kind="PNG"))
    error, _ = _first_error(functools.partial(decode.load_item, size="eight"), [decode.ImportItem(path=str(path))])
    assert type(error) is decoder_pool.WorkerDied  # a str for the size: a caller's bug, in no file's words
    assert f" failed on {path}: " in str(error), str(error)


def test_a_read_refused_and_a_damaged_archive_keep_their_type_and_words(tmp_path):
    error, _ = _first_error(os.stat, [str(tmp_path / "gone")])
    assert type(error) is FileNotFoundError and error.filename == str(tmp_path / "gone")
    archive = tmp_path / "images.zip"
    with zipfile.ZipFile(archive, "w") as writing:
        writing.writestr("cat/1.png", b"\x89PNG" + bytes(200))
    data = bytearray(archive.read_bytes())
    data[data.index(b"cat/1.png") + 9 + 10] ^= 0xFF  # a byte of the member's data: its CRC check fails
    archive.write_bytes(bytes(data))
    error, _ = _first_error(functools.partial(decode.load_item, size=8),
                            [decode.ImportItem(path=str(archive), member="cat/1.png")])
    assert type(error) is archives.ArchiveDamaged
    assert str(error).startswith(f"{archive}:cat/1.png: {archives.DAMAGED_ARCHIVE} (Bad CRC-32"), str(error)
