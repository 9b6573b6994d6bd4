"""``experiment --dry-run`` of a grid whose plan was written for SLURM (``--emit-slurm``; the README's way to watch
a submitted grid) says what its scripts do: the job arrays and their dependencies, and ``submit.sh --dry-run`` for
what it would submit now. Before, it ended "would run on the CPU, one at a time" alone, as of a local grid."""

from click.testing import CliRunner

from minitransfer import slurm
from minitransfer.cli import main


def _common(micro_data, out):
    return ["experiment", "--data", micro_data, "-o", str(out), "--layers", "1", "--max-iter", "40", "--device", "cpu"]


def test_the_dry_run_of_a_slurm_grid_says_what_its_scripts_do(micro_data, tmp_path):
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    common = _common(micro_data, out)
    assert CliRunner().invoke(main, [*common, "--emit-slurm", str(scripts), "--time", "10"]).exit_code == 0
    dry = CliRunner().invoke(main, [*common, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    last = dry.stdout.splitlines()[-2:]
    submit = scripts / slurm.SUBMIT_FILE
    assert last == [
        f"on SLURM (the scripts this plan was written for, in {scripts}): their job arrays hold every run of the "
        "plan (bases.sh: the 2 bases (runs without a parent), one job array of 2 tasks; transfers.sh: the 4 "
        "transfers, one job array per base (2 arrays of 2 tasks), each after its base's task (afterok)), of which "
        f"bash {submit} submits those neither finished nor queued, 6 at most (the runs to train here); "
        f"`bash {submit} --dry-run` says which jobs it would submit now",
        "here, without SLURM: would run on the CPU, one at a time"], dry.stdout


def test_the_dry_run_of_a_local_grid_or_of_other_options_says_nothing_of_slurm(micro_data, tmp_path):
    out = tmp_path / "grid"
    common = _common(micro_data, out)
    dry = CliRunner().invoke(main, [*common, "--dry-run"])
    assert dry.exit_code == 0 and dry.stdout.splitlines()[-1] == "would run on the CPU, one at a time", dry.output
    assert "SLURM" not in dry.stdout
    assert CliRunner().invoke(main, [*common, "--emit-slurm", str(tmp_path / "slurm")]).exit_code == 0
    other = CliRunner().invoke(main, [*common[:-4], "--max-iter", "60", "--device", "cpu", "--dry-run"])
    assert other.exit_code == 0, other.output  # another plan: its scripts no longer submit it
    assert other.stdout.splitlines()[-1] == "would run on the CPU, one at a time" and "on SLURM" not in other.stdout
