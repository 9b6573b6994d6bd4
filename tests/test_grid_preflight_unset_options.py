"""grid_preflight where a cross-dataset grid's folder cannot be told, or its options leave out what the
runs resolve themselves: a notebook's grid without "preset" (each base resolves its own) or without "data"
(train's default dataset, the built-in set), and a base's train whose grid's plan was edited by hand."""

import json
import types

import pytest

from minitransfer import config
from minitransfer import experiment as grid
from minitransfer import grid_preflight
from minitransfer.data import synthetic

pytestmark = pytest.mark.usefixtures("built_in_presets")


def _bases():
    runs = grid.plan_grid(random_seeds=(), layers=(1,), cross=True, fine_tuned=False, selffer=False)
    return [run for run in runs if run.parent is None]


def _source_base():
    return next(run for run in _bases() if run.target == grid.SOURCE)


def _plan(folder, out, data):
    """What fitting_in_grid reads of a train's plan: its run folder, its weights file and its dataset."""
    return types.SimpleNamespace(parent=None, run_dir=folder, preset=None,
                                 config=types.SimpleNamespace(out=str(out), data=data))


def test_a_grid_without_preset_checks_the_preset_each_base_resolves(micro_data, synthetic_8, tmp_path):
    options = {"data": micro_data, "source_data": synthetic_8, "max_iter": 1, "device": "cpu"}
    with grid_preflight.plans_shared():
        presets = {run.target: grid_preflight.resolved_plan(run, tmp_path / "g", options).preset for run in _bases()}
        # the oracle: the source base resolves a preset whose crops the target's images cannot take
        source_crop = presets[grid.SOURCE].crop
        assert source_crop > 14 and len({preset.name for preset in presets.values()}) == 2
        with pytest.raises(config.ConfigError) as refused:
            grid_preflight.check_bases(_bases(), tmp_path / "g", options)
    assert f"preset {presets[grid.SOURCE].name} takes {source_crop}x{source_crop} crops" in str(refused.value)
    assert micro_data in str(refused.value)


def test_a_grid_without_data_checks_and_names_the_built_in_set(micro_data, synthetic_8, tmp_path):
    builtin = str(synthetic.builtin_dataset())
    options = {"source_data": synthetic_8, "preset": "micro", "max_iter": 1, "device": "cpu"}
    with grid_preflight.plans_shared():
        presets = grid_preflight.check_bases(_bases(), tmp_path / "g", options)
        warnings = grid_preflight.crop_warnings(_bases(), tmp_path / "g", options)  # micro's crops of 36 px images
    assert {preset.name for preset in presets.values()} == {"micro"} and len(presets) == 2
    assert len(warnings) == 1 and synthetic_8 in warnings[0], warnings  # advice of the two datasets' presets
    with pytest.raises(config.ConfigError) as refused:  # mini's crops cannot take the built-in set's 14 px images
        grid_preflight.check_bases(_bases(), tmp_path / "g", {**options, "preset": "mini"})
    assert builtin in str(refused.value)


def test_a_grids_base_trained_outside_its_grids_folder_gets_trains_own_advice(synthetic_8, tmp_path, monkeypatch):
    base = _source_base()
    assert base.name.count("/") == 1  # cross/baseS: its grid's folder two levels above its weights
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "baseS.run"  # from inside OUT/cross: train -o baseS.h5
    folder.mkdir()
    (folder / grid.TREATMENT_FILE).write_text(json.dumps(base.to_json()))
    assert grid_preflight.fitting_in_grid(_plan(folder.relative_to(tmp_path), "baseS.h5", synthetic_8)) == ""


@pytest.mark.parametrize("data", [5, ["x"], "x\0y"], ids=["number", "list", "nul"])
def test_a_grids_base_whose_plan_was_edited_by_hand_gets_trains_own_advice(synthetic_8, tmp_path, data):
    base, out = _source_base(), tmp_path / "g"
    folder = grid.run_dir(out, base)
    folder.mkdir(parents=True)
    (folder / grid.TREATMENT_FILE).write_text(json.dumps(base.to_json()))
    (out / grid.PLAN_FILE).write_text(json.dumps({"options": {"source_data": synthetic_8, "data": data}}))
    assert grid_preflight.fitting_in_grid(_plan(folder, grid.weights_path(out, base.name), synthetic_8)) == ""
