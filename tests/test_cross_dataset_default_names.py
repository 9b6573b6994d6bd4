"""A study across datasets trained by hand in one folder, as README gives it: SnT (``--data T
--copy-from baseS.h5``) and TnT (``--copy-from baseT.h5``) both take the paper's default name,
all-X3all.h5, a name that tells neither. The second was refused with "give it another
--out" alone, which did not say that the name it never gave was the one taken, nor how to give one."""

import pytest
from in_folder import invoke

from minitransfer import config, config_wording
from minitransfer import train as training
from minitransfer.data import synthetic
from minitransfer.run_destination import DEFAULT_NAME_TELLS

FAST = ["--max-iter", "1", "--eval-every", "1", "--batch-size", "8", "--device", "cpu", "--quiet"]


@pytest.fixture(scope="module")
def study(micro_data, tmp_path_factory):
    """(folder, source base, target base, target dataset): baseS.h5 on every class of micro_data, baseT.h5 on
    every class of another dataset of the micro preset's size, in one folder."""
    folder = tmp_path_factory.mktemp("study")
    target = str(tmp_path_factory.mktemp("target") / "T")
    synthetic.build_synthetic(target, classes=6, train_per_class=4, val_per_class=2, size=14, seed=3)
    for name, data in (("baseS.h5", micro_data), ("baseT.h5", target)):
        training.train(config.TrainConfig(out=str(folder / name), data=data, split="all", preset="micro", max_iter=1,
                                          batch_size=8, device="cpu", quiet=True))
    return folder, folder / "baseS.h5", folder / "baseT.h5", target


def _give_a_name(default, suggested):
    """What the refusal says of the default name ``default`` taken, and how to give ``suggested`` instead."""
    option = " ".join(config_wording.command_line({"out": suggested}))
    return (f"without {config_wording.option_name('out')} both take the default name {default}, {DEFAULT_NAME_TELLS} "
            f"it trains on; give this one a name of its own, e.g. {option}, or replace that one "
            f"({' '.join(config_wording.command_line({'overwrite': True}))})")


def _train(folder, *arguments):
    return invoke(["train", *arguments, "--n", "2", "--frozen", *FAST], folder)


def test_a_transfer_of_another_base_under_the_same_default_name_is_told_to_give_o(study, tmp_path):
    folder, source, target_base, target = study
    run_folder = tmp_path / "runs"
    run_folder.mkdir()
    first = _train(run_folder, "--data", target, "--copy-from", str(source))
    assert first.exit_code == 0, first.output
    default = run_folder / "all-X2all.h5"
    assert default.is_file()
    written = default.stat().st_mtime_ns
    second = _train(run_folder, "--copy-from", str(target_base))
    assert second.exit_code == 2, second.output
    said = " ".join(second.output.split())
    assert said.startswith(f"error: {default.name} holds another network than this run trains (--copy-from "), said
    suggested = f"{default.stem}-{target_base.stem}{default.suffix}"  # the base it copies from tells it apart
    assert _give_a_name(default.name, suggested) in said, said
    assert "is X in it" not in said, said
    assert default.stat().st_mtime_ns == written  # the first run's network kept
    named = _train(run_folder, "--copy-from", str(target_base), *config_wording.command_line({"out": suggested}))
    assert named.exit_code == 0, named.output  # what it says works
    assert (run_folder / suggested).is_file()


def test_the_same_network_under_its_default_name_is_not_told_to_give_o(study, tmp_path):
    """The same command again is told to continue its run (--resume auto), as before: the name is its own."""
    _, source, _, target = study
    assert _train(tmp_path, "--data", target, "--copy-from", str(source)).exit_code == 0
    again = _train(tmp_path, "--data", target, "--copy-from", str(source))
    assert again.exit_code == 2, again.output
    assert "--resume auto" in again.output and DEFAULT_NAME_TELLS not in " ".join(again.output.split())


def test_another_seed_under_the_default_name_keeps_its_own_refusal(study, tmp_path):
    """A network that differs in more than its base or dataset (a replicate of another seed) is not the
    collision of two networks the paper's names cannot tell apart: its refusal stays as it was."""
    _, source, _, target = study
    assert _train(tmp_path, "--data", target, "--copy-from", str(source)).exit_code == 0
    other = _train(tmp_path, "--data", target, "--copy-from", str(source), "--seed", "7")
    assert other.exit_code == 2, other.output
    assert "--seed" in other.output and DEFAULT_NAME_TELLS not in " ".join(other.output.split())


def test_two_bases_of_one_file_name_are_told_apart_by_their_folders(study, tmp_path):
    """Both bases named baseA.h5, in two folders: the name suggested was all-X2all-baseA.h5, which told them
    no more apart than the default name did."""
    import shutil

    folder, source, target_base, target = study
    lab, hand = tmp_path / "lab" / "baseA.h5", tmp_path / "hand" / "baseA.h5"
    for base, copied in ((source, lab), (target_base, hand)):
        copied.parent.mkdir()
        shutil.copyfile(base, copied)
    run_folder = tmp_path / "runs"
    run_folder.mkdir()
    assert _train(run_folder, "--data", target, "--copy-from", str(lab)).exit_code == 0
    default = run_folder / "all-X2all.h5"
    second = _train(run_folder, "--copy-from", str(hand))
    assert second.exit_code == 2, second.output
    said = " ".join(second.output.split())
    suggested = f"{default.stem}-{hand.parent.name}-{hand.stem}{default.suffix}"  # its folder tells it apart
    assert suggested != f"{default.stem}-{lab.parent.name}-{lab.stem}{default.suffix}"
    assert _give_a_name(default.name, suggested) in said, said
    named = _train(run_folder, "--copy-from", str(hand), *config_wording.command_line({"out": suggested}))
    assert named.exit_code == 0, named.output  # what it says works


def test_two_datasets_of_one_folder_name_are_told_apart_by_their_folders(study, tmp_path):
    """Two transfers of one base to two datasets both in a folder named T (lab/T, hand/T): the name
    suggested was all-X2all-T.h5 for either, which told them no more apart than the default name did."""
    _, source, _, _ = study
    lab, hand = tmp_path / "lab" / "T", tmp_path / "hand" / "T"
    for seed, data in ((3, lab), (4, hand)):  # the micro preset's size, as the study's target; other images
        synthetic.build_synthetic(str(data), classes=6, train_per_class=4, val_per_class=2, size=14, seed=seed)
    run_folder = tmp_path / "runs"
    run_folder.mkdir()
    assert _train(run_folder, "--data", str(lab), "--copy-from", str(source)).exit_code == 0
    default = run_folder / "all-X2all.h5"
    second = _train(run_folder, "--data", str(hand), "--copy-from", str(source))
    assert second.exit_code == 2, second.output
    said = " ".join(second.output.split())
    assert "(--data " in said and "--copy-from" not in said.partition(DEFAULT_NAME_TELLS)[0], said  # the dataset alone
    suggested = f"{default.stem}-{hand.parent.name}-{hand.name}{default.suffix}"  # its folder tells it apart
    assert _give_a_name(default.name, suggested) in said, said
    named = _train(run_folder, "--data", str(hand), "--copy-from", str(source),
                   *config_wording.command_line({"out": suggested}))
    assert named.exit_code == 0, named.output  # what it says works
