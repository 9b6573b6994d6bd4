"""A run of a SLURM grid that failed: its train.log ends with srun's own line ("srun: error: vm: task 0: Exited
with exit code 65") after the train's error. ``experiment --dry-run``, the README's way to watch such a grid,
showed it as a run to train with no word of its failure (report said it, reading past srun's lines alone)."""

from click.testing import CliRunner

from minitransfer.cli import main

ERROR = "error: bad data: /data/shard-00001.h5: no such file"


def test_a_dry_run_says_a_slurm_runs_error_under_sruns_line(micro_data, tmp_path):
    out = tmp_path / "grid"
    log = out / "random0" / "baseA.run" / "train.log"
    log.parent.mkdir(parents=True)
    log.write_text(f"iteration 0 of 4\n{ERROR}\nsrun: error: vm: task 0: Exited with exit code 65\n")
    done = CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", str(out), "--layers", "1",
                                     "--max-iter", "4", "--device", "cpu", "--dry-run"])
    assert done.exit_code == 0, done.output
    assert ERROR in done.output, done.output
