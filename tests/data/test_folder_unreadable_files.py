"""prepare folder on photo folders a researcher cannot fully read: a file without read permission was
skipped as "PermissionError: [Errno 13] ...", and after a chmod the rerun kept the finished shard (a chmod
leaves the size and modification time its plan records), so the file stayed skipped; a val/ this user may
not list ended the import with a bare "[Errno 13] Permission denied"; a file that is a link to nothing, or a
loop of links, was skipped as "FileNotFoundError" / "Too many levels of symbolic links", though `ls` shows it.
chmod 000 does not stop root, who runs these tests in containers: the refusals are made by hand."""

import json
import os

import pytest
from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.data import decode


def _prepare(source, out, *options):
    return CliRunner().invoke(main, ["prepare", "folder", str(source), str(out), "--size", "12", "--workers", "0",
                                     *options])


def _skipped(out):
    return {entry["file"]: entry["reason"] for entry in json.loads((out / "meta.json").read_text())["skipped"]}


@pytest.fixture
def photos(tmp_path, image_bytes, write_files):
    return write_files(tmp_path / "photos", {f"{name}/{number}.png": image_bytes((90 * index, 40 * number, 9),
                                                                                 kind="PNG")
                                             for index, name in enumerate(("cat", "dog")) for number in range(3)})


def test_an_unreadable_file_is_skipped_saying_to_give_read_access_and_the_rerun_imports_it(tmp_path, photos,
                                                                                          monkeypatch):
    refused, out = str(photos / "dog" / "1.png"), tmp_path / "out"
    with monkeypatch.context() as patched:
        patched.setattr(os, "open", _refusing(os.open, refused))
        patched.setattr(os, "access", lambda path, mode: os.fspath(path) != refused)
        first = _prepare(photos, out, "--val-fraction", "0")
    assert first.exit_code == 0, first.output
    assert _skipped(out) == {refused: decode.NOT_READABLE}
    assert f"{refused}: not readable by this user (permission denied): give read access to it (chmod a+r" \
        in first.output
    assert json.loads((out / "meta.json").read_text())["subsets"]["train"]["count"] == 5
    again = _prepare(photos, out, "--val-fraction", "0")  # read access given: size and modification time as before
    assert again.exit_code == 0, again.output
    assert _skipped(out) == {} and "skipped" not in again.output, again.output
    assert json.loads((out / "meta.json").read_text())["subsets"]["train"]["count"] == 6


def test_a_file_still_unreadable_keeps_its_shard_on_a_rerun(tmp_path, photos, monkeypatch):
    """The shard is decoded again only once the file is readable: a rerun with nothing mended writes nothing."""
    refused = str(photos / "dog" / "1.png")
    monkeypatch.setattr(os, "open", _refusing(os.open, refused))
    monkeypatch.setattr(os, "access", lambda path, mode: os.fspath(path) != refused)
    out = tmp_path / "out"
    assert _prepare(photos, out, "--val-fraction", "0").exit_code == 0
    before = _times(out)
    again = _prepare(photos, out, "--val-fraction", "0")
    assert again.exit_code == 0 and _skipped(out) == {refused: decode.NOT_READABLE}, again.output
    assert _times(out) == before


def _times(out):
    """{file: mtime} of a dataset's files but its lock file, which each prepare writes its holder record into."""
    return {path.name: path.stat().st_mtime_ns for path in out.iterdir() if path.name != "lock"}


def _refusing(call, refused):
    """``call`` (os.open, os.listdir) refusing the path ``refused`` as the system refuses one without permission."""
    def refusing(path, *args, **kwargs):
        if os.fspath(path) == refused:
            raise PermissionError(13, "Permission denied", refused)
        return call(path, *args, **kwargs)
    return refusing


def test_a_val_folder_this_user_may_not_list_is_named_with_what_to_do(tmp_path, image_bytes, write_files,
                                                                     monkeypatch):
    root = write_files(tmp_path / "photos", {f"{subset}/{name}/0.png": image_bytes((90 * index, 9, 9 + len(subset)),
                                                                                    kind="PNG")
                                             for index, name in enumerate(("cat", "dog")) for subset in ("train",
                                                                                                         "val")})
    refused = str(root / "val")
    monkeypatch.setattr(os, "listdir", _refusing(os.listdir, refused))
    result = _prepare(root, tmp_path / "out")
    assert result.exit_code == 74, result.output
    assert result.output == (f"error: I/O: {refused}: a folder of SOURCE that this user may not list (permission "
                             f"denied), so its images cannot be imported: give read access to it (chmod -R a+rX) "
                             f"or move it out of SOURCE, and rerun\n")


def test_a_link_to_nothing_or_a_loop_of_links_among_a_classs_files_is_skipped_saying_so(tmp_path, photos):
    (photos / "cat" / "moved.jpg").symlink_to(tmp_path / "unmounted" / "moved.jpg")
    (photos / "dog" / "loop.jpg").symlink_to("loop.jpg")
    out = tmp_path / "out"
    result = _prepare(photos, out, "--val-fraction", "0")
    assert result.exit_code == 0, result.output
    assert _skipped(out) == {
        str(photos / "cat" / "moved.jpg"): f"a link to {tmp_path}/unmounted/moved.jpg, which does not exist (moved? "
                                           f"on a drive not mounted?)",
        str(photos / "dog" / "loop.jpg"): "a link to loop.jpg, which leads back to it (a loop of links)"}


@pytest.mark.parametrize("importer", ["folder", "imagenet"])
def test_a_source_this_user_may_not_list_is_named_with_what_to_do_as_its_class_folders_are(tmp_path, photos,
                                                                                            monkeypatch, importer):
    """SOURCE itself was click's "Directory '...' is not readable.", a usage error (2), where a class folder
    of it this user may not list is an I/O error (74) that says what to do."""
    refused = str(photos)
    monkeypatch.setattr(os, "access", lambda path, mode, **kwargs: os.fspath(path) != refused)
    result = CliRunner().invoke(main, ["prepare", importer, refused, str(tmp_path / "out")])
    assert result.exit_code == 74, result.output
    assert result.output == (f"error: I/O: {refused}: SOURCE, a folder that this user may not list (permission "
                             f"denied), so its images cannot be imported: give read access to it (chmod -R a+rX), "
                             f"and rerun\n")


def test_a_source_in_a_folder_this_user_may_not_enter_names_that_folder(tmp_path, photos, monkeypatch):
    """It was click's "Directory '...' does not exist." (2): it is there, behind a folder without access."""
    source, stat = str(photos), os.stat
    monkeypatch.setattr(os, "stat", _refusing(stat, source))
    monkeypatch.setattr(os, "access", lambda path, mode, **kwargs: os.fspath(path) != str(tmp_path))
    result = CliRunner().invoke(main, ["prepare", "folder", source, str(tmp_path / "out")])
    assert result.exit_code == 74, result.output
    assert result.output == (f"error: {source} cannot be reached: the folder {tmp_path} may not be entered by this "
                             f"user (permission denied): give access to it (chmod a+x {tmp_path}), or give a copy of "
                             f"the images\n")
