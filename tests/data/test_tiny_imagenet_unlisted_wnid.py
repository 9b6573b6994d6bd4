"""A label of val_annotations.txt that wnids.txt does not list (``minitransfer/data/tiny_imagenet.py``):
it was told as a line of the wrong form, "expected '<file><TAB><wnid of wnids.txt>...'", though
the line has that form; now the wnid and the line are named, with wnids.txt."""

import pytest

from data.test_importers import ANNOTATED, prepare_tiny_annotated

UNLISTED = "val_1.JPEG\tn09999999\t1\t2\t40\t50"  # words.txt knows n09999999; wnids.txt lists 2 others


@pytest.mark.parametrize("unpacked", [False, True], ids=["zip", "folder"])
def test_a_wnid_wnids_txt_does_not_list_is_named_with_its_line(tmp_path, unpacked):
    annotations = ANNOTATED.splitlines(keepends=True)[0] + UNLISTED + "\n"
    source, result = prepare_tiny_annotated(tmp_path, annotations, unpacked)
    assert result.exit_code == 65, result.output
    member, again = ((f"{source / 'tiny-imagenet-200'}/", "unpack both from one tiny-imagenet-200.zip, or give the "
                                                           "zip itself as SOURCE") if unpacked else
                     (f"{source}:tiny-imagenet-200/", "download tiny-imagenet-200.zip again"))
    assert (f"{member}val/val_annotations.txt:2: val_1.JPEG is labelled n09999999, a wnid that {member}wnids.txt does "
            f"not list (line {UNLISTED!r}): the labels and the class list are of different copies, or one was "
            f"edited; {again}\n") in result.output, result.output
    assert "expected '<file>" not in result.output and not (tmp_path / "out").exists()
