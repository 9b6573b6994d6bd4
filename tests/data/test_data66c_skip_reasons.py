"""decode.py held the wording of every skip reason besides decoding (410 lines, above STYLE.md's ~400): the words
are skip_reasons.py's now, and each caller reaches them there (folder_tree's links to nothing among them)."""

import os
import pathlib

from minitransfer.data import decode, folder_tree, skip_reasons

LIMIT = 400  # STYLE.md, habit 11: one idea per module, about 400 lines at most


def test_decode_and_the_skip_reasons_each_fit_a_module():
    for module in (decode, skip_reasons):
        assert len(pathlib.Path(module.__file__).read_text().splitlines()) <= LIMIT, module.__name__


def test_a_link_to_nothing_in_a_class_folder_is_said_so(tmp_path):
    (tmp_path / "cat").mkdir()
    os.symlink("moved/7.png", tmp_path / "cat" / "7.png")
    os.symlink("8.png", tmp_path / "cat" / "8.png")
    said = dict(folder_tree.links_to_nothing(sorted((tmp_path / "cat").iterdir())))
    assert said == {tmp_path / "cat" / "7.png": "a link to moved/7.png, which does not exist (moved? on a drive not "
                                                "mounted?)",
                    tmp_path / "cat" / "8.png": "a link to 8.png, which leads back to it (a loop of links)"}
    reason = decode.load_item(decode.ImportItem(path=str(tmp_path / "cat" / "7.png")), 8)[1]
    assert reason == said[tmp_path / "cat" / "7.png"]
