"""A transfer within one dataset whose base was trained on it before it was prepared again (the same
class table, other images): in the base's own folder (someone re-prepared it between a SLURM array's
bases and its transfers) it is bad data, refused as a resumed run or a grid's run on that folder is;
onto another folder of the same classes (a dataset chosen) it is warned of."""

import hashlib

import pytest
from click.testing import CliRunner

from minitransfer import config, preflight
from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.data import synthetic

FAST = {"preset": "micro", "batch_size": 8, "max_iter": 4, "eval_every": 2, "checkpoint_every": 2, "quiet": True,
        "device": "cpu"}
SHAPE = {"classes": 4, "train_per_class": 4, "val_per_class": 2, "size": 14}


def _meta_sha256(data):
    return hashlib.sha256((data / "meta.json").read_bytes()).hexdigest()


@pytest.fixture
def base_of_images_before(tmp_path):
    """baseA.h5 trained on tmp_path/D, which was then prepared again (another seed: other images of
    the same classes): (base, D, sha256 of D's meta.json before, after)."""
    data, base = tmp_path / "D", tmp_path / "baseA.h5"
    synthetic.build_synthetic(data, seed=1, **SHAPE)
    before = _meta_sha256(data)
    training.train(config.TrainConfig(out=str(base), data=str(data), half="A", **FAST))
    synthetic.build_synthetic(data, seed=2, overwrite=True, **SHAPE)
    after = _meta_sha256(data)
    assert before != after
    return base, data, before, after


@pytest.mark.parametrize("extra", [[], ["--resume", "auto"], ["--no-data"]], ids=["plain", "slurm-task", "no-data"])
def test_a_transfer_from_a_base_of_its_folder_before_it_was_prepared_again_is_bad_data(base_of_images_before, extra):
    """`train --copy-from baseA.h5 --n 2 --half B --data D` trained, silently, layers that learned other
    images of D's classes, recording D's new images (a SLURM task's transfer, --resume auto, too; and
    without --data, which takes the base's folder). Now exit 65 naming the base, D, both fingerprints
    and both ways on, and nothing written."""
    base, data, before, after = base_of_images_before
    out = data.parent / "A2B.h5"
    given = [] if extra == ["--no-data"] else ["--data", str(data)] + extra
    refused = CliRunner().invoke(main, ["train", "--copy-from", str(base), "--n", "2", "--half", "B", "-o", str(out),
                                        "--preset", "micro", "--max-iter", "4", "--batch-size", "8", "--device", "cpu",
                                        "--quiet", *given])
    assert refused.exit_code == 65, refused.output
    assert refused.output.startswith(
        f"error: bad data: --copy-from {base} was trained on {data} before that folder was prepared again (sha256 "
        f"of its meta.json {before[:12]}, now {after[:12]}): its layers learned other images"), refused.output
    assert refused.output.endswith(
        f"give the dataset it trained on (a copy, or prepared again as it was) as --data; to transfer on the images "
        f"{data} holds now, train the base again on them first\n"), refused.output
    assert not out.exists() and not out.with_suffix(".run").exists()


def test_a_base_trained_again_on_the_folder_prepared_again_is_copied_from_without_a_word(base_of_images_before):
    """The remedy works: the base trained again on D's images now is copied from, and no warning of
    other images is given."""
    base, data, _, _ = base_of_images_before
    training.train(config.TrainConfig(out=str(base), data=str(data), half="A", overwrite=True, **FAST))
    plan = config.resolve(config.TrainConfig(out=str(data.parent / "A2B.h5"), data=str(data), copy_from=str(base),
                                             n=2, **FAST))
    assert not [warning for warning in preflight.warnings_for(plan) if "sha256 of its meta.json" in warning]


def test_a_transfer_onto_another_folder_of_the_same_classes_warns_that_its_base_learned_other_images(
        base_of_images_before, tmp_path):
    """A base of D's images before, copied onto a copy of them prepared again elsewhere (E): the
    folder is a dataset chosen, not the base's changed under it, so the run goes on, as from a base
    of another dataset, but it is told the copied layers learned other images, with both fingerprints;
    onto a folder of the base's own images (F), nothing is said."""
    base, data, before, after = base_of_images_before
    other, same = tmp_path / "E", tmp_path / "F"
    synthetic.build_synthetic(other, seed=3, **SHAPE)
    synthetic.build_synthetic(same, seed=1, **SHAPE)
    assert _meta_sha256(same) == before

    def warned(target):
        plan = config.resolve(config.TrainConfig(out=str(tmp_path / "A2B.h5"), data=str(target), copy_from=str(base),
                                                 n=2, **FAST))
        assert not plan.cross_dataset
        return [warning for warning in preflight.warnings_for(plan) if "other images" in warning]

    [warning] = warned(other)
    assert warning.startswith(f"`copy_from={base}` was trained on {data} (sha256 of its meta.json {before[:12]}), "
                              f"the classes of {other} ({_meta_sha256(other)[:12]}) but other images: "), warning
    assert f"report counts this run as one on {other}" in warning
    assert warned(same) == []
