"""Review 61 (weights files and evaluation): docs/checkpoints.md's table of a run's two files states what the
files train writes hold. The mini row is measured here (a run trained on a half of a 4-class synthetic set of
36 px images: fc8 has 2 outputs); the CaffeNet rows are its parameters at 4 bytes each (8 with the momentum),
the 256 x 256 mean image and the few kB of record the mini files hold beyond their arrays. A finished run's
two files were said to take 708 MB for a half's CaffeNet (236 MB + 472 MB): 708.6 MB, 709 MB as the others
round."""

import pathlib
import re

import pytest

from minitransfer import config, models
from minitransfer import experiment as grid
from minitransfer import train as training
from minitransfer.data import synthetic

DOC = pathlib.Path(__file__).resolve().parent.parent / "docs" / "checkpoints.md"


def _rows():
    """The table's rows: {first cell: [the other cells]}."""
    rows = {}
    for line in DOC.read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("| ") and len(cells) == 5 and cells[1][:1].isdigit():
            rows[cells[0]] = cells[1:]
    return rows


def _number(text):
    return int(text.replace(",", ""))


def _mb(size):
    return f"{size / 1e6:,.0f} MB"


@pytest.fixture(scope="module")
def mini_files(tmp_path_factory):
    """(parameters, weights file bytes, checkpoint.h5 bytes) of a mini run on a half of 4 classes, 36 px."""
    root = tmp_path_factory.mktemp("sizes")
    synthetic.build_synthetic(root / "data", classes=4, train_per_class=8, val_per_class=4, size=36, seed=1)
    out = root / "mini.h5"
    training.train(config.TrainConfig(out=str(out), data=str(root / "data"), preset="mini", half="A", max_iter=2,
                                      batch_size=8, quiet=True, device="cpu"))
    return (models.PRESETS["mini"].build(2).parameter_count(), out.stat().st_size,
            (root / "mini.run" / "checkpoint.h5").stat().st_size)


def test_the_mini_row_is_what_train_writes(mini_files):
    parameters, weights, checkpoint = mini_files
    (row,) = [cells for name, cells in _rows().items() if name.startswith("mini")]
    said = [_number(cell.split()[0]) for cell in row[:3]]
    # the files record the run's paths (out, data): this folder's names are longer than the measured run's
    assert said[0] == parameters
    assert abs(said[1] - weights) < 2_000 and abs(said[2] - checkpoint) < 2_000
    assert row[3] == f"{said[1] + said[2]:,} B (was {2 * said[2]:,} B)"


@pytest.mark.parametrize("outputs", [500, 1000])
def test_the_caffenet_rows_add_up(mini_files, outputs):
    mini_parameters, mini_weights, mini_checkpoint = mini_files
    mean = 256 * 256 * 3 * 4
    record = mini_weights - 4 * mini_parameters - 36 * 36 * 3 * 4  # the attributes and HDF5's own structures
    assert 0 < record < 20_000 and abs((mini_checkpoint - mini_weights - 4 * mini_parameters)) < 10_000
    parameters = models.PRESETS["caffenet"].build(outputs).parameter_count()
    (row,) = [cells for name, cells in _rows().items() if name.startswith("CaffeNet") and
              re.search(rf"\b{outputs} classes", name)]
    weights, checkpoint = 4 * parameters + mean + record, 8 * parameters + mean + record
    assert row == [f"{parameters:,}", _mb(weights), _mb(checkpoint),
                   f"{_mb(weights + checkpoint)} (was {_mb(2 * checkpoint)})"]


def test_the_paper_grids_disk_counts_its_runs_on_every_class():
    """README's grid: 96 networks, of which all/base, its 7 random-frozen and 12 reduced-data runs train on all 1000
    classes (1000 outputs), the rest on a half's 500 (the natural split's 551 and 449 move it by less than 0.05 GB). It
    was said "96 networks on halves, about 68 GB": 96 x 708.6 MB, where they keep 68.5 GB."""
    runs = grid.plan_grid(random_seeds=(0, 1), natural=True, random_frozen=tuple(range(1, 8)),
                          per_class=(1, 2, 5, 10, 25, 50, 100, 250, 500, 750, 1000, 1300))
    every = [run for run in runs if run.name.startswith("all/")]
    assert len(runs) == 96 and len(every) == 20
    mean = 256 * 256 * 3 * 4
    parameters = {outputs: models.PRESETS["caffenet"].build(outputs).parameter_count() for outputs in (500, 1000)}
    counts = {500: len(runs) - len(every), 1000: len(every)}
    # a weights file: 4 bytes a weight and the mean image; a checkpoint.h5: 8 bytes a weight; before, two checkpoints
    now = sum(count * (12 * parameters[outputs] + 2 * mean) for outputs, count in counts.items())
    before = sum(count * 2 * (8 * parameters[outputs] + mean) for outputs, count in counts.items())
    said = re.search(r"keeps about ([\d.]+) GB \(was\s+about ([\d.]+) GB\)", DOC.read_text())
    assert said and said.groups() == (f"{now / 1e9:.1f}", f"{before / 1e9:.1f}")
