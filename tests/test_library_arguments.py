"""minitransfer's functions given a notebook's arguments: values of other types than the fields
document (a Fraction for a rate, 1 for a flag, None or a number for a path, a weights file for a
dataset folder) are taken as what they mean or refused with the library's own exceptions naming the
argument, never a TypeError or OSError from deep inside; and runs of other datasets and presets
trained one after another in one process train the bits a fresh process trains."""

import fractions
import json
import subprocess
import sys
import textwrap

import pytest

import toy_preset
from minitransfer import evaluate
from minitransfer import train as training
from minitransfer.data import dataset as datasets
from minitransfer.data import synthetic
from test_library_api import FAST, _same_weights


@pytest.fixture(scope="module")
def trained(micro_data, tmp_path_factory):
    """A run of FAST on the micro set: its weights file."""
    out = tmp_path_factory.mktemp("trained") / "net.h5"
    training.train(training.TrainConfig(out=out, data=micro_data, **FAST))
    return out


def test_a_file_given_as_the_dataset_is_refused_naming_it(trained, tmp_path):
    """The weights file given as `data` (a slip in a notebook cell): a DatasetError naming it and
    saying what to give, before anything is written (before, NotADirectoryError from the lock file
    looked for inside it)."""
    out = tmp_path / "other.h5"
    with pytest.raises(datasets.DatasetError, match=f"^{trained}: a file, not a dataset folder: give the folder"):
        training.train(training.TrainConfig(out=out, data=trained, **FAST))
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(datasets.DatasetError, match=f"^{trained}: a file, not a dataset folder"):
        evaluate.evaluate_checkpoint(trained, data=str(trained), device="cpu")


@pytest.mark.parametrize("arguments, message", [
    ({"path": None}, "`path` must be a path (a str or pathlib.Path), got None"),
    ({"path": 3}, "`path` must be a path (a str or pathlib.Path), got int"),
    ({"data": 3}, "`data` must be a path (a str or pathlib.Path), got int"),
], ids=["path-none", "path-int", "data-int"])
def test_evaluate_checkpoint_refuses_arguments_that_are_no_paths_naming_them(trained, arguments, message):
    """Before, a TypeError from pathlib."""
    with pytest.raises(training.ConfigError) as refused:
        evaluate.evaluate_checkpoint(**{"path": trained, "device": "cpu", **arguments})
    assert str(refused.value) == message


def test_a_rate_given_as_a_fraction_trains_as_its_float(trained, micro_data, tmp_path):
    """base_lr=Fraction(1, 100), a real number the solver takes: the run trains as with 0.01 and
    records 0.01 (before, a TypeError writing config.json once the run was set up)."""
    result = training.train(training.TrainConfig(out=tmp_path / "net.h5", data=micro_data,
                                                 base_lr=fractions.Fraction(1, 100), **FAST))
    assert result.iterations == FAST["max_iter"] and _same_weights(tmp_path / "net.h5", trained)
    assert json.loads((tmp_path / "net.run" / "config.json").read_text())["base_lr"] == 0.01


def test_a_flag_given_as_1_or_0_is_recorded_as_the_flag(trained, tmp_path):
    """frozen=1, cuda_graph=0 (equal to True and False, so taken): config.json records true and false,
    as the run's other records of flags are, not the numbers; quiet=1 is taken and, saying only how the
    command ran, not recorded."""
    training.train(training.TrainConfig(out=tmp_path / "net.h5", copy_from=str(trained), n=1, frozen=1,
                                        cuda_graph=0, **{**FAST, "quiet": 1}))
    recorded = json.loads((tmp_path / "net.run" / "config.json").read_text())
    assert recorded["frozen"] is True and recorded["cuda_graph"] is False and "quiet" not in recorded


def test_runs_of_other_datasets_and_presets_in_one_process_train_a_fresh_processs_bits(trained, micro_data,
                                                                                        tmp_path):
    """A notebook trains a base, then a toy-preset run of another dataset with loader workers, then a
    transfer of the base to that dataset: each trains the bits a fresh process trains (nothing of
    one run, its dataset, preset, workers or mean image, leaks into the next), and the base trained
    again after them is the base."""
    other = tmp_path / "other"
    synthetic.build_synthetic(other, classes=6, train_per_class=6, val_per_class=3, size=16, seed=2)
    runs = {"toy": {"data": str(other), "preset": "toy", "half": "B", "seed": 3, "workers": 2},
            "transfer": {"data": str(other), "copy_from": str(trained), "n": 2}}
    for name, options in runs.items():
        training.train(training.TrainConfig(out=tmp_path / f"{name}.h5", **options, **FAST))
    training.train(training.TrainConfig(out=tmp_path / "again.h5", data=micro_data, **FAST))
    fresh = textwrap.dedent(f"""
        import sys; sys.path.insert(0, {str(toy_preset.__file__.rsplit('/', 1)[0])!r}); import toy_preset
        from minitransfer import train as training
        for name, options in {runs!r}.items():
            training.train(training.TrainConfig(out={str(tmp_path)!r} + f"/fresh-{{name}}.h5", **options, **{FAST!r}))
        """)
    subprocess.run([sys.executable, "-c", fresh], check=True)
    assert all(_same_weights(tmp_path / f"{name}.h5", tmp_path / f"fresh-{name}.h5") for name in runs)
    assert _same_weights(tmp_path / "again.h5", trained)
