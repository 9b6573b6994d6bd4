"""Options of ``experiment`` and ``splits`` as a researcher mistypes them: each is refused on one line
naming the option (exit code 2) before anything is written, not planned, written or shown as if it
had been meant."""

import pytest
from click.testing import CliRunner

from minitransfer.cli import main


@pytest.mark.parametrize("kind", ["natural", "all"])
def test_splits_refuses_a_split_seed_for_a_split_without_one(synthetic_8, kind):
    """The seed was ignored without a word: the halves printed were the same for every seed, as train
    (which refuses it) would train them."""
    result = CliRunner().invoke(main, ["splits", synthetic_8, kind, "--split-seed", "3"])
    assert result.exit_code == 2, result.output
    assert (f"Invalid value for --split-seed: applies to the random split; the {kind} split takes the same classes "
            f"for every seed: leave --split-seed unset (got 3)") in result.output
    assert CliRunner().invoke(main, ["splits", synthetic_8, kind, "--split-seed", "0"]).exit_code == 0


@pytest.mark.parametrize("arguments, message", [
    (["--sbatch-option", "account=lab"], "Invalid value for '--sbatch-option': 'account=lab' is no sbatch option"),
    (["--sbatch-option", ""], "Invalid value for '--sbatch-option': '' is no sbatch option"),
    (["--gres", ""], "Invalid value for '--gres': expected one word without spaces, e.g. gpu:1; got ''"),
    (["--gres", "gpu 1"], "Invalid value for '--gres': expected one word without spaces, e.g. gpu:1; got 'gpu 1'"),
    (["--partition", " "], "Invalid value for '--partition': expected one word without spaces, e.g. gpu; got ' '"),
    (["--partition", "long gpu"], "Invalid value for '--partition': expected one word without spaces"),
], ids=["sbatch-option-without-dashes", "sbatch-option-empty", "gres-empty", "gres-two-words", "partition-blank",
        "partition-two-words"])
def test_emit_slurm_refuses_an_sbatch_line_sbatch_would_refuse_or_read_otherwise(tmp_path, synthetic_8, arguments,
                                                                                  message):
    """'#SBATCH account=lab' and '#SBATCH --partition=long gpu' made sbatch refuse the scripts only at
    submission; an empty --gres (an unset variable) had the cuda runs ask SLURM for no GPU."""
    result = CliRunner().invoke(main, ["experiment", "--data", synthetic_8, "--layers", "1", "-o", str(tmp_path / "g"),
                                       "--emit-slurm", str(tmp_path / "slurm"), *arguments])
    assert result.exit_code == 2 and message in result.output, result.output
    assert not (tmp_path / "g").exists() and not (tmp_path / "slurm").exists()


def test_a_random_frozen_of_commas_without_an_n_is_refused_not_read_as_none(tmp_path, synthetic_8):
    """--random-frozen ' , ' planned no control at all, without a word; an empty one (its default) still
    plans none."""
    arguments = ["experiment", "--data", synthetic_8, "--layers", "1", "-o", str(tmp_path / "g"), "--device", "cpu",
                 "--dry-run", "--random-frozen"]
    result = CliRunner().invoke(main, [*arguments, " , "])
    assert result.exit_code == 2, result.output
    assert "Invalid value for --random-frozen: no n in ' , ' (e.g. 1-7 or 1,3,5)" in result.output
    result = CliRunner().invoke(main, [*arguments, ""])
    assert result.exit_code == 0 and "6 runs in" in result.output, result.output
