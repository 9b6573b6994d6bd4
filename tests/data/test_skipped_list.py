"""skipped.txt lists the files an import skipped, one "path<TAB>reason" line each, as README and
prepare --help say; an import that skipped nothing wrote it empty, which no document promises: it
writes none now, and removes the list an earlier import of the folder left (whose files it has
imported since) or the empty file an earlier version wrote."""

import subprocess

from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.data.shard_format import SKIPPED_FILE


def _prepare_folder(source, out):
    return CliRunner().invoke(main, ["prepare", "folder", str(source), str(out), "--size", "12", "--workers", "0"])


def _source(root, image_bytes, write_files):
    """Two classes of four images each, every image its own colour, and a text file among them."""
    files = {f"{name}/{number}.png": image_bytes((40 * number, 100 * index, 90), kind="PNG")
             for index, name in enumerate(("cat", "dog")) for number in range(4)}
    return write_files(root, {**files, "cat/notes.txt": b"not an image"})


def test_an_import_that_skips_nothing_writes_no_list_and_removes_an_earlier_ones(tmp_path, image_bytes,
                                                                                  write_files):
    source, out = _source(tmp_path / "photos", image_bytes, write_files), tmp_path / "out"
    result = _prepare_folder(source, out)
    assert result.exit_code == 0, result.output
    listed = (out / SKIPPED_FILE).read_text().splitlines()
    assert [line.split("\t")[0] for line in listed] == [str(source / "cat" / "notes.txt")], listed
    (source / "cat" / "notes.txt").unlink()
    again = _prepare_folder(source, out)
    assert again.exit_code == 0, again.output
    assert not (out / SKIPPED_FILE).exists() and SKIPPED_FILE not in again.output, again.output
    fresh = _prepare_folder(source, tmp_path / "fresh")
    assert fresh.exit_code == 0, fresh.output
    assert not (tmp_path / "fresh" / SKIPPED_FILE).exists() and SKIPPED_FILE not in fresh.output, fresh.output


def test_the_empty_list_of_an_earlier_version_is_removed_where_it_can_be_and_kept_on_a_read_only_copy(
        tmp_path, image_bytes, write_files, small_tmpfs):
    source = _source(tmp_path / "photos", image_bytes, write_files)
    (source / "cat" / "notes.txt").unlink()
    out = small_tmpfs(tmp_path / "disk", "4m") / "out"
    assert _prepare_folder(source, out).exit_code == 0
    (out / SKIPPED_FILE).write_text("")  # as an earlier version left it
    assert _prepare_folder(source, out).exit_code == 0
    assert not (out / SKIPPED_FILE).exists()
    (out / SKIPPED_FILE).write_text("")
    subprocess.run(["mount", "-o", "remount,ro", str(out.parent)], check=True)
    result = _prepare_folder(source, out)
    assert result.exit_code == 0, result.output  # a rerun that has nothing to change writes nothing
    assert (out / SKIPPED_FILE).read_text() == ""
