"""Words of an import's refusals and skips that said too little or too much: an empty CIFAR archive listed
tarfile's internal errors ("method gz: ReadError('empty file') - method bz2: ..."); a skip for one of
minitransfer's own errors began with its class name ("DatasetError: ..."), which says nothing to a reader of
skipped.txt (damaged pickles and missing keys: test_cifar10.py's FAULTS)."""

import zipfile

from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.data import dataset, decode


def test_an_empty_cifar_archive_says_it_is_empty(tmp_path):
    source = tmp_path / "cifar-10-python.tar.gz"
    source.write_bytes(b"")
    result = CliRunner().invoke(main, ["prepare", "cifar10", str(source), str(tmp_path / "out")])
    assert result.exit_code == 65, result.output
    assert result.output.splitlines() == [
        f"error: bad data: {source} is empty (0 bytes): download cifar-10-python.tar.gz again"]


def test_a_skip_for_minitransfers_own_error_is_said_without_its_class_name(tmp_path, monkeypatch):
    archive = tmp_path / "images.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("a.JPEG", b"not read")
    said = f"{archive}:a.JPEG: unreadable archive (gone): download it again"

    def refused(opened, name):
        raise dataset.DatasetError(said)

    monkeypatch.setattr(decode, "read_member", refused)
    pixels, reason, _ = decode.load_item(decode.ImportItem(path=str(archive), member="a.JPEG"), 8)
    assert pixels is None and reason == said
