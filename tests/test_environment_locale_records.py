"""The paths a run records (config.json, result.json, its checkpoint's and weights' root attributes) and a grid's
experiment.json are UTF-8 text in every locale. Under LC_ALL=C (PYTHONUTF8=0) Python reads the folder "données-猫"
as "donn\\udcc3\\udca9es-\\udce7\\udc8c\\udcab", which train recorded as it was: a run trained in a UTF-8 locale
and copied from, evaluated or resumed under LC_ALL=C died of a UnicodeEncodeError (its record "données-猫" is no
name that locale can spell), and a grid rerun in the other locale rewrote its experiment.json."""

import json
import subprocess
import sys

import h5py
import pytest

from locales import ASCII_LOCALE, UTF8_LOCALE, environment_in, latin1_locale
from minitransfer.data import synthetic
BOTH_WAYS = pytest.mark.parametrize("first, then", [(ASCII_LOCALE, UTF8_LOCALE), (UTF8_LOCALE, ASCII_LOCALE)],
                                    ids=["C-ascii-then-C.UTF-8", "C.UTF-8-then-C-ascii"])
DATA = "données-猫"
TRAIN = ["--preset", "micro", "--max-iter", "2", "--eval-every", "2", "--workers", "0", "--device", "cpu"]


def _minitransfer(arguments, locale, cwd):
    result = subprocess.run([sys.executable, "-m", "minitransfer", *arguments], capture_output=True,
                            env=environment_in(locale), timeout=120, cwd=cwd)
    return result.returncode, (result.stdout + result.stderr).decode("utf-8", "replace")


def _prepared(tmp_path):
    """The dataset DATA, as ``minitransfer prepare synthetic DATA --classes 4 --train-per-class 8
    --val-per-class 4 --size 14`` writes it, built in this process (a UTF-8 one, as that command's was): what
    is tested is what the commands run in each locale read of it and record."""
    synthetic.build_synthetic(tmp_path / DATA, classes=4, train_per_class=8, val_per_class=4, size=14)


def _ascii(value):
    """``value`` as ASCII JSON: a surrogate escape shown as "\\udcc3" (pytest's workers cannot send it)."""
    return json.dumps(value, sort_keys=True)


def _records(run_dir, weights):
    """The paths the run of ``weights`` recorded, as their JSON text holds them."""
    with h5py.File(weights, "r") as f:
        config = json.loads(f.attrs["config"])
        mean_source = json.loads(f.attrs["mean_source"])
    result = json.loads((run_dir / "result.json").read_text())
    written = json.loads((run_dir / "config.json").read_text())
    return {"config": {key: config[key] for key in ("out", "data")}, "mean": mean_source["dataset"],
            "config.json": {key: written[key] for key in ("out", "data")}, "result": result["out"]}


@pytest.mark.parametrize("locale", [ASCII_LOCALE, UTF8_LOCALE, "latin1"], ids=["C-ascii", "C.UTF-8", "latin1"])
def test_a_run_records_its_paths_as_utf8_in_every_locale(tmp_path, locale):
    locale = latin1_locale(tmp_path) if locale == "latin1" else locale
    _prepared(tmp_path)
    code, said = _minitransfer(["train", "--data", DATA, "-o", "réseaux-猫/baseA.h5", *TRAIN], locale, tmp_path)
    assert code == 0, said
    out, data = str(tmp_path / "réseaux-猫" / "baseA.h5"), str(tmp_path / DATA)
    assert _ascii(_records(tmp_path / "réseaux-猫" / "baseA.run", out)) == _ascii({
        "config": {"out": out, "data": data}, "mean": data, "config.json": {"out": out, "data": data},
        "result": "réseaux-猫/baseA.h5"})


@BOTH_WAYS
def test_a_run_trained_in_one_locale_is_copied_evaluated_and_resumed_in_another(tmp_path, first, then):
    _prepared(tmp_path)
    code, said = _minitransfer(["train", "--data", DATA, "-o", "réseaux-猫/baseA.h5", *TRAIN], first, tmp_path)
    assert code == 0, said
    code, said = _minitransfer(["train", "-o", "réseaux-猫/A1B.h5", "--copy-from", "réseaux-猫/baseA.h5", "--n", "1",
                                *TRAIN], then, tmp_path)
    assert code == 0, said
    with h5py.File(tmp_path / "réseaux-猫" / "A1B.h5", "r") as f:
        source = json.loads(f.attrs["source"])
    assert _ascii([source["checkpoint"], source["dataset"]]) == _ascii([str(tmp_path / "réseaux-猫" / "baseA.h5"),
                                                                        str(tmp_path / DATA)])
    code, said = _minitransfer(["eval", "réseaux-猫/baseA.h5"], then, tmp_path)
    assert code == 0 and "top-1" in said, said
    code, said = _minitransfer(["train", "--resume", "auto", "--data", DATA, "-o", "réseaux-猫/baseA.h5", *TRAIN],
                               then, tmp_path)
    assert code == 0 and "nothing to do" in said and "warning" not in said, said


@BOTH_WAYS
def test_a_finished_grid_rerun_in_another_locale_writes_nothing(tmp_path, first, then):
    _prepared(tmp_path)
    grid = ["experiment", "--data", DATA, "-o", "grille", "--split", "random", "--layers", "1", "--no-fine-tuned",
            "--preset", "micro", "--max-iter", "2"]
    code, said = _minitransfer(grid, first, tmp_path)
    assert code == 0, said
    plan = tmp_path / "grille" / "experiment.json"
    written, modified = plan.read_bytes(), plan.stat().st_mtime_ns
    assert _ascii(json.loads(written)["options"]["data"]) == _ascii(str(tmp_path / DATA))
    code, said = _minitransfer(grid, then, tmp_path)
    assert code == 0, said
    assert (plan.read_bytes(), plan.stat().st_mtime_ns) == (written, modified)


@pytest.mark.parametrize("locale", [ASCII_LOCALE, UTF8_LOCALE], ids=["C-ascii", "C.UTF-8"])
def test_a_record_of_an_earlier_version_names_the_same_file(tmp_path, locale):
    """Earlier versions recorded "données" under LC_ALL=C (PYTHONUTF8=0) as surrogate escapes: read in any
    locale, that record and the UTF-8 one name the same file, the one the locale lists."""
    (tmp_path / DATA).mkdir()
    code = ("import json, os, sys; from minitransfer.rundir import record_path, recorded_path; "
            "listed, = os.listdir(sys.argv[1]); escaped, text = json.loads(sys.argv[2]); "
            "print(recorded_path(escaped) == recorded_path(text) == listed, record_path(listed) == text)")
    spellings = json.dumps([DATA.encode().decode("ascii", "surrogateescape"), DATA])  # ASCII: argv in any locale
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path), spellings], capture_output=True,
                            env=environment_in(locale), timeout=60)
    assert result.stdout == b"True True\n", result.stderr.decode("utf-8", "replace")


def test_a_dataset_imported_in_a_utf8_locale_beside_the_data_is_read_under_c(tmp_path):
    """meta.json records the folder a dataset was imported from as the locale read it (UTF-8 here): train under
    LC_ALL=C (PYTHONUTF8=0), looking at the datasets beside its own, died of a UnicodeEncodeError on it."""
    import numpy as np
    from PIL import Image

    for subset in ("train", "val"):
        for name in ("a", "b"):
            (tmp_path / "images-猫" / subset / name).mkdir(parents=True)
            for number in range(2):
                pixels = np.random.default_rng([number, len(subset), ord(name)]).integers(0, 256, (8, 8, 3))
                Image.fromarray(pixels.astype(np.uint8)).save(tmp_path / "images-猫" / subset / name / f"{number}.png")
    code, said = _minitransfer(["prepare", "folder", "images-猫", "imported", "--size", "14", "--workers", "0"],
                               UTF8_LOCALE, tmp_path)
    assert code == 0, said
    _prepared(tmp_path)
    code, said = _minitransfer(["train", "--data", DATA, "-o", "baseA.h5", *TRAIN], ASCII_LOCALE, tmp_path)
    assert code == 0, said
