"""The grid's refusal of a transfer whose base's weights file and checkpoint are gone (the grid would train the base
again, another network than the one the transfer copied), followed word for word: it named the transfer alone,
"restore OUT/random0/baseA.h5, or delete random0/A1B too", a run's name; its run folder deleted, its weights file
left, the grid's train of A1B refused to replace that file (exit 2). It names the paths to delete: each transfer's
run folder and weights file, as the dry run's advice does (:func:`minitransfer.grid_plan_text.first_step`), and the
file to restore, quoted as they are (it was not: a path with a space read as two)."""

import shlex
import shutil

import pytest
from click.testing import CliRunner

from minitransfer.cli import main

GRID = ["--preset", "micro", "--no-fine-tuned", "--max-iter", "2", "--eval-every", "1",
        "--batch-size", "4", "--device", "cpu"]


def _experiment(micro_data, out, *more):
    return CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", str(out), *GRID, *more])


@pytest.mark.parametrize("layers", [["1"], ["1", "2"]])
def test_following_the_refusal_of_a_transfer_whose_base_is_gone_trains_the_grid(micro_data, tmp_path, layers):
    """Each transfer that copied from the base named, with its files: with A2B there too, deleting A1B's alone
    left A2B's, refused next."""
    out = tmp_path / "my grid"  # a space: the paths quoted as a shell reads them
    grid = ["--layers", ",".join(layers)]
    assert _experiment(micro_data, out, *grid).exit_code == 0
    (out / "random0" / "baseA.h5").unlink()
    (out / "random0" / "baseA.run" / "checkpoint.h5").unlink()
    refused = _experiment(micro_data, out, *grid)
    assert refused.exit_code == 2, refused.output
    said = " ".join(refused.output.split())  # wrapped or not
    names = ", ".join(f"random0/A{n}B" for n in layers)
    restore = f"restore {shlex.quote(str(out / 'random0' / 'baseA.h5'))}; or, to train {names} again from the new "
    assert restore + "random0/baseA, delete" in said  # quoted as the paths to delete are: pasted, one path
    assert shlex.split(said.split("restore ", 1)[1].split(";", 1)[0]) == [str(out / "random0" / "baseA.h5")]
    lost = "(what it trained is lost): " if len(layers) == 1 else "(what they trained is lost): "
    paths = [path.removesuffix(",") for path in shlex.split(said.split(lost, 1)[1])]
    assert sorted(paths) == sorted(str(out / "random0" / f"A{n}B{end}") for n in layers for end in (".run", ".h5"))
    for path in paths:  # the words followed literally
        shutil.rmtree(path) if (out / path).is_dir() else (out / path).unlink()
    done = _experiment(micro_data, out, *grid)
    assert done.exit_code == 0, done.output
    assert (out / "random0" / "baseA.h5").is_file()
    assert all((out / "random0" / f"A{n}B.run" / "result.json").is_file() for n in layers)
