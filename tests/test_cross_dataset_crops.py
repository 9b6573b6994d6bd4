"""A base's network and a dataset of other images that do not fit each other, across datasets: the exit
code says whose fault it is (65: the checkpoint and the images, nothing typed; 2: a --preset given that
the base's layers do not fit), and a grid's advice names a preset whose crops fit both its datasets."""

import pytest
from click.testing import CliRunner

from minitransfer import config, models
from minitransfer import experiment as grid
from minitransfer import grid_preflight
from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.data import dataset as datasets
from minitransfer.data import synthetic

FAST = ["--max-iter", "2", "--eval-every", "2", "--batch-size", "8", "--device", "cpu"]


pytestmark = pytest.mark.usefixtures("built_in_presets")  # the advice names presets: without the toy's


def _base(data, preset, folder):
    out = folder / f"base-{preset}.h5"
    training.train(config.TrainConfig(out=str(out), data=data, split="all", preset=preset, max_iter=1, batch_size=8,
                                      device="cpu", quiet=True))
    return str(out)


@pytest.fixture(scope="module")
def bases(micro_data, synthetic_8, tmp_path_factory):
    """A mini base (32 px crops) of the 36 px synthetic_8, a micro base (12 px crops) of the 14 px micro_data."""
    folder = tmp_path_factory.mktemp("bases")
    return {"mini": _base(synthetic_8, "mini", folder), "micro": _base(micro_data, "micro", folder)}


def _transfer(bases, base, data, given, tmp_path):
    return CliRunner().invoke(main, ["train", "--data", data, "--copy-from", bases[base], "--n", "2", "--frozen",
                                     *given, "-o", str(tmp_path / "S2T.h5"), *FAST])


@pytest.mark.parametrize("given", [[], ["--preset", "mini"]], ids=["preset-unset", "preset-mini"])
def test_a_bases_crops_larger_than_the_targets_images_are_bad_data(bases, micro_data, given, tmp_path):
    """A mini base and 14 px images: no --preset (or the base's own) would take both; it exited 2."""
    done = _transfer(bases, "mini", micro_data, given, tmp_path)
    assert done.exit_code == 65, done.output
    assert done.output.startswith("error: bad data: preset mini")
    assert f"takes 32x32 crops but the images of {micro_data} are 14x14" in done.output


@pytest.mark.parametrize("base, data, preset", [("micro", "synthetic_8", "mini"), ("micro", "micro_data", "mini"),
                                                ("mini", "micro_data", "micro"), ("mini", "synthetic_8", "micro")])
def test_a_preset_given_that_the_bases_layers_do_not_fit_is_a_usage_error(bases, base, data, preset, request,
                                                                          tmp_path):
    """--preset other than the base's: the option is at fault (leave it unset); it exited 65."""
    done = _transfer(bases, base, request.getfixturevalue(data), ["--preset", preset], tmp_path)
    assert done.exit_code == 2, done.output
    assert done.output.startswith(f"error: checkpoint {bases[base]}: layer conv1 has W")
    assert f"(it holds a {base!r} network, this run builds {preset!r}: leave --preset unset" in done.output


def test_a_preset_unset_that_fits_both_trains(bases, synthetic_8, tmp_path):
    """The other direction without --preset: a micro base's 12 px crops fit 36 px images (a warning, no refusal)."""
    done = _transfer(bases, "micro", synthetic_8, [], tmp_path)
    assert done.exit_code == 0, done.output


def _grid(source, data, out, *given):
    return CliRunner().invoke(main, ["experiment", "--source-data", source, "--data", data, "-o", str(out),
                                     "--layers", "1", "--dry-run", *given])


def test_a_grid_whose_preset_cannot_take_the_sources_images_names_a_preset_fitting_both(micro_data, synthetic_8,
                                                                                        tmp_path):
    """The grid's preset is --data's (mini, 36 px); the 14 px source was told to be prepared at 36 px."""
    done = _grid(micro_data, synthetic_8, tmp_path / "g")
    assert done.exit_code == 2, done.output
    fitting = models.presets_fitting_all([(14, 14), (36, 36)])
    assert fitting and "mini" not in fitting
    assert f"preset mini takes 32x32 crops but the images of {micro_data} are 14x14: choose --preset " \
           f"{fitting[0]}, whose crops fit the images of both {micro_data} and {synthetic_8}" in done.output
    assert "36 px" not in done.output


def test_a_grid_of_datasets_no_preset_fits_both_says_so_as_bad_data(synthetic_8, tmp_path):
    """10 px images take no preset's crops (micro's are 12): nothing the user can give fits both."""
    small = tmp_path / "small"
    synthetic.build_synthetic(small, classes=4, train_per_class=4, val_per_class=2, size=10, seed=3)
    assert models.presets_fitting_all([(10, 10), (36, 36)]) == []
    done = _grid(str(small), synthetic_8, tmp_path / "g")
    assert done.exit_code == 65, done.output
    assert f"no preset's crops fit the images of both {small} and {synthetic_8}" in done.output


def test_a_cross_grids_crop_warning_names_no_preset_that_fails_the_other_dataset(micro_data, synthetic_8, tmp_path):
    """Source 36 px, target 14 px: micro (the target's) crops see a third of the source's images; the
    warning advised --preset mini, which cannot take the target's 14 px images."""
    runs = grid.plan_grid(random_seeds=(), layers=(1,), cross=True)
    options = {"data": micro_data, "source_data": synthetic_8, "preset": "micro"}
    warnings = grid_preflight.crop_warnings(runs, tmp_path / "g", options)
    assert len(warnings) == 1, warnings
    assert f"the 36x36 images of {synthetic_8}" in warnings[0]
    assert "preset='mini'" not in warnings[0] and f"prepare {synthetic_8} at 14 px" in warnings[0]
    assert min(datasets.open_dataset(micro_data).image_size) < models.get("mini").crop  # why mini is no advice


def test_a_dry_run_says_each_crop_warning_once(micro_data, synthetic_8, tmp_path):
    """The dry run "warns of what it finds": the crop warning each base's train says as it starts is said once as
    the grid is planned (before, only as its runs trained)."""
    expected = grid_preflight.crop_warnings(grid.plan_grid(random_seeds=(), layers=(1,), cross=True), tmp_path / "g",
                                            {"data": micro_data, "source_data": synthetic_8, "preset": "micro"})
    assert len(expected) == 1
    done = CliRunner().invoke(main, ["experiment", "--source-data", synthetic_8, "--data", micro_data, "-o",
                                     str(tmp_path / "g"), "--layers", "1", "--preset", "micro", "--device", "cpu",
                                     "--dry-run"])
    assert done.exit_code == 0, done.output
    said = " ".join(done.output.split())
    assert said.count("crops") == 1 and "warning:" in said
    assert f"prepare {synthetic_8} at 14 px" in said


def test_a_bases_crops_larger_than_the_targets_images_say_to_prepare_them_from_larger_originals(bases, micro_data,
                                                                                                 tmp_path):
    """A mini base (32 px crops) and 14 px images: "prepare them at 36 px" read as enlarging these images;
    it says the originals must be that large, or to train a new base of a preset fitting them (the base's is
    fixed)."""
    done = _transfer(bases, "mini", micro_data, [], tmp_path)
    assert done.exit_code == 65, done.output
    fitting = models.presets_fitting(datasets.open_dataset(micro_data).image_size)
    assert fitting and "mini" not in fitting
    said = " ".join(done.output.split())
    assert (f"are 14x14: prepare them at {models.prepared_size(models.get('mini'))} px (prepare's --size) from "
            f"original images at least that large, or train a new base with "
            f"{' or '.join(f'--preset {name}' for name in fitting)}, whose crops fit them") in said, said
