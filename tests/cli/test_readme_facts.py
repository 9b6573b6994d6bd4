"""What the README says of names and messages is what the code writes: the default weights name of a
transfer from a base trained on every class, and what `prepare folder` says of files that are no image,
of train's run folders and of a families file's faults."""

import pathlib
import re
import types

from minitransfer.config import TrainConfig, default_out
from minitransfer.data import image_formats, skip_reasons

README = pathlib.Path(__file__).resolve().parents[2] / "README.md"


def _prose():
    """The README's text, its lines joined with one space (a sentence may break anywhere)."""
    return " ".join(README.read_text().split())


def test_the_readme_names_a_transfer_from_a_base_of_every_class_as_train_does():
    """`train --data T --copy-from baseS.h5 --n 3` (baseS trained with --split all) writes all-X3all.h5,
    a form the README's list of default names left out."""
    said = re.search(r"`train --data T --copy-from baseS\.h5 --n 3 --frozen` writes `([^`]+)`, or `([^`]+)` given "
                     r"`--half A`", _prose())
    assert said, "the README no longer names the default name of a transfer from a base of every class"
    base_of_every_class = types.SimpleNamespace(meta={"split_half": ""})
    transfer = {"copy_from": "baseS.h5", "n": 3, "frozen": True, "split_seed": 0}
    assert said.groups() == (default_out(TrainConfig(split="all", **transfer), base_of_every_class),
                             default_out(TrainConfig(split="random", half="A", **transfer), base_of_every_class))


def test_the_readme_says_what_prepare_folder_says_of_a_file_that_is_no_image():
    pdf = next(what for what, head in image_formats.NOT_IMAGES.items() if re.match(head, b"%PDF-1.4"))
    assert f'("{skip_reasons.NOT_AN_IMAGE.format(pdf)}")' in _prose()


def test_the_readme_says_a_run_folder_is_passed_over_and_a_families_files_faults_are_told_at_once():
    prose = _prose()
    assert "A run folder of train's (`baseA.run/`, of weights trained into `photos`) is no class: it is passed " \
           "over with a note." in prose
    assert "A families file's faults (lines not `CLASS FAMILY`, classes without a family or with two, names of no " \
           "class folder, a family spelled two ways) are all said at once" in prose
