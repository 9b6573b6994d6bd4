"""Leftovers of the last session: the co-adaptation finding names only the middle layers measured, the too-few-classes
remedy's advice, a 0.7.0 grid's refused schedule named, and the NumPy augment gather's peak memory."""

import tracemalloc

import numpy as np
import pytest
from click.testing import CliRunner

from minitransfer import optim
from minitransfer.cli import main
from minitransfer.ops import augment

from test_findings_coadaptation import found
from test_findings_coadaptation_rule import points_grid
from test_review_59_leftovers import GRID, REFUSED, _train_commands
from test_small_dataset_advice import dry_run, prepare, write_tree


@pytest.mark.parametrize("layers, said", [({4: [-1.0, -1.2, -0.8]}, "layer n=4"),
                                          ({4: [-1.0, -1.2, -0.8], 5: [-1.0, -1.1, -0.9]}, "layers n=4..5"),
                                          ({3: [-1.0, -1.2, -0.8], 5: [-1.0, -1.1, -0.9]}, "layers n=3, 5")],
                         ids=["n4", "n4-5", "n3-n5"])
def test_coadaptation_names_only_the_middle_layers_measured(layers, said):
    """The demo trains BnB at n=4 alone: the line read "At the middle layers n=3..6", n=3, 5 and 6 never trained."""
    claim = found(points_grid(layers))
    assert claim.text.startswith(f"At the middle {said}, BnB relative to its own base: "), claim.text
    assert "n=3..6" not in claim.text, claim.text


def test_a_natural_half_of_a_folder_prepared_with_an_is_a_file_is_not_told_of_a_families_file(tmp_path):
    """prepare folder --is-a gave the families, no families file: the note (and train's refusal, neither passing an
    is-a file to the remedy) said "give it 2 or more classes in the families file and prepare again (prepare folder
    --families FILE)", a file this dataset never had."""
    wnids = ("n01440764", "n03000134", "n03000247", "n03000684")  # a fish (natural), three artifacts (man-made)
    is_a = tmp_path / "is_a.txt"
    is_a.write_text("n00004475 n01440764\n" + "".join(f"n00021939 {wnid}\n" for wnid in wnids[1:]))
    source = write_tree(tmp_path / "photos", {wnid: 3 for wnid in wnids})
    prepared = prepare(source, tmp_path / "data", "--is-a", is_a).output.replace("\n", " ")
    assert "natural split holds 1 class" in prepared, prepared
    assert "families file" not in prepared, prepared
    assert ("family 'natural' holds only 'n01440764': the is-a file gives each class its family: give the tree 2 or "
            "more class folders of family 'natural' (as the is-a file places them) and prepare again, or give the "
            "families in a file instead (prepare folder --families FILE), or train every class") in prepared, prepared
    refused = dry_run(tmp_path / "data", tmp_path / "grid", "--split", "natural")
    assert refused.exit_code == 2 and "families file" not in refused.output, refused.output
    said = " ".join(refused.output.split())
    assert "give the tree 2 or more class folders of family 'natural'" in said, said


def test_a_070_grid_refused_another_schedule_is_told_the_one_its_runs_record(micro_data, tmp_path, monkeypatch):
    """0.7.0 trained the grid's bases with --max-iter 40 --stepsize 1; asked --max-iter 50 (refused as well), the
    message said they were "trained with this schedule", which they were not."""
    out = str(tmp_path / "grid")
    with monkeypatch.context() as patched:  # as 0.7.0 planned and trained them: its solver checked no schedule
        patched.setattr(optim, "run_solver", optim.Solver)
        for base in (c for c in _train_commands(micro_data, out, REFUSED) if "--copy-from" not in c):
            assert CliRunner().invoke(main, [*base, "--quiet"]).exit_code == 0
    asked = [*GRID[:GRID.index("--max-iter")], *GRID[GRID.index("--max-iter") + 2:], "--max-iter", "50", *REFUSED]
    result = CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", out, *asked])
    said = " ".join(result.output.split())
    assert result.exit_code == 2 and "from iteration 36 of 50" in said, said
    assert "this schedule" not in said, said
    assert ("(random0/baseA.run, random0/baseB.run: --max-iter 40, --stepsize 1, gamma 0.1), which an earlier version "
            "(before 0.8.0) trained with a schedule this version refuses") in said, said


def _gathered_before(images, mean, crop, train, seed, iteration):
    """The NumPy path as it was: every crop gathered at once, converted, its mean crop subtracted, the mirrored
    images flipped by a second gather (the oracle the lower-peak path must equal bit for bit)."""
    n_images, height, width, _ = images.shape
    oy, ox, flip = augment.offsets(n_images, height, width, crop, train, seed, iteration)
    crops = np.lib.stride_tricks.sliding_window_view(images, (crop, crop), axis=(1, 2))
    mean_crops = np.lib.stride_tricks.sliding_window_view(mean, (crop, crop), axis=(0, 1))
    y = np.empty((n_images, 3, crop, crop), dtype=mean.dtype)
    np.subtract(crops[np.arange(n_images), oy, ox].astype(mean.dtype), mean_crops[oy, ox], out=y)
    mirrored = flip == 1
    y[mirrored] = y[mirrored][..., ::-1]
    return y


@pytest.mark.parametrize("n, height, width, crop, dtype, train", [
    (1, 9, 9, 9, np.float32, True), (7, 13, 17, 7, np.float32, True), (16, 15, 11, 10, np.float64, True),
    (5, 21, 23, 20, np.float32, False), (0, 8, 8, 5, np.float32, True), (33, 31, 29, 27, np.float64, True)],
    ids=["n1-9x9c9", "n7-13x17c7", "n16-15x11c10-f64", "n5-21x23c20-eval", "n0-8x8c5", "n33-31x29c27-f64"])
def test_the_lower_peak_augment_is_bit_identical_to_the_gather(n, height, width, crop, dtype, train):
    rng = np.random.default_rng(n * 1000 + crop)
    images = rng.integers(0, 256, (n, height, width, 3), dtype=np.uint8)
    mean = (rng.random((height, width, 3)) * 255).astype(dtype)  # not round: a conversion slip shows
    flips = set()
    for iteration in range(3):
        flips.update(augment.offsets(n, height, width, crop, train, 4, iteration)[2].tolist())
        got = augment.forward(images, mean, crop, train=train, seed=4, iteration=iteration)
        expected = _gathered_before(images, mean, crop, train, 4, iteration)
        assert got.dtype == expected.dtype and got.shape == expected.shape
        assert got.tobytes() == expected.tobytes()
    assert flips == {0, 1} if train and n > 1 else flips <= {0, 1}  # mirrored and not, where drawn


def test_the_numpy_augment_peaks_near_its_output_s_memory():
    """The gather held a converted copy of the batch, its mean crops and the mirrored images beside the output:
    tracemalloc's peak was 3.0x the output's bytes (64 images 64 -> 57, float32); one ufunc an image writes y."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (64, 64, 64, 3), dtype=np.uint8)
    mean = rng.random((64, 64, 3)).astype(np.float32)
    tracemalloc.start()
    try:
        y = augment.forward(images, mean, 57, train=True, seed=1, iteration=2)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1.25 * y.nbytes, (peak, y.nbytes)
