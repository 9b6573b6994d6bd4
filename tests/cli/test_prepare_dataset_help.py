"""prepare cifar100's and tiny-imagenet's --help left out what a researcher must know of the dataset made: which
labels CIFAR-100 trains on (fine, coarse kept beside them), which of its files become train and val (cifar10's
says), that Tiny ImageNet's unlabelled test/ is not imported and how its labels are numbered."""

from click.testing import CliRunner

from minitransfer.cli import main


def _help(command):
    result = CliRunner().invoke(main, ["prepare", command, "--help"], terminal_width=120)
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


def test_cifar100_help_says_which_labels_it_trains_on_and_what_becomes_val():
    text = _help("cifar100")
    assert "train on the 100 fine labels" in text and "/coarse_labels" in text
    assert "train is imported as training images, test as validation" in text


def test_tiny_imagenet_help_says_test_is_not_imported_and_how_labels_are_numbered():
    text = _help("tiny-imagenet")
    assert "test/ (unlabelled) is not imported" in text and "Labels follow the sorted wnids" in text
