"""A grid rerun over a run whose result.json is there but whose network is gone (its weights file and checkpoint
moved or deleted): a transfer is trained again, and the rerun (and its dry run) says so, and why; it said
"1 to run" alone, and its dry run "[todo]", though the run's result.json was there. A base with a transfer that
copied it is refused, naming both, as before: trained again, it would be another network than the one copied."""

from click.testing import CliRunner

from minitransfer import checkpoint as checkpoints
from minitransfer.cli import main
from minitransfer.results import collect


def _command(micro_data, out, *more):
    return ["experiment", "--data", str(micro_data), "-o", str(out), "--layers", "1", "--no-fine-tuned",
            "--preset", "micro", "--max-iter", "4", "--device", "cpu", *more]


def test_a_transfer_whose_network_is_gone_is_trained_again_and_said_to_be(micro_data, tmp_path):
    out = tmp_path / "grid"
    first = CliRunner().invoke(main, _command(micro_data, out))
    assert first.exit_code == 0, first.output
    weights, folder = out / "random0" / "A1B.h5", out / "random0" / "A1B.run"
    weights.unlink()
    (folder / "checkpoint.h5").unlink()
    assert (folder / "result.json").is_file()

    dry = CliRunner().invoke(main, _command(micro_data, out, "--dry-run"))
    assert dry.exit_code == 0, dry.output
    line = next(line for line in dry.stdout.splitlines() if "] random0/A1B" in line)
    assert line.startswith("  [todo] random0/A1B") and "weights file and checkpoint gone: trained again" in line, line

    rerun = CliRunner().invoke(main, _command(micro_data, out))
    assert rerun.exit_code == 0, rerun.output
    assert ("trained again: random0/A1B, whose weights file and checkpoint are gone (its result.json, of the "
            "network gone, replaced)") in rerun.output, rerun.output
    assert checkpoints.load(weights).meta["iteration"] == 4  # the oracle: the network is there again, finished
    names = sorted(r.run.name for r in collect(out)[0])  # the report reads all four
    assert names == [f"random0/{name}" for name in ("A1B", "B1B", "baseA", "baseB")]


def test_a_base_whose_network_is_gone_is_refused_naming_the_transfer_that_copied_it(micro_data, tmp_path):
    out = tmp_path / "grid"
    assert CliRunner().invoke(main, _command(micro_data, out)).exit_code == 0
    (out / "random0" / "baseA.h5").unlink()
    (out / "random0" / "baseA.run" / "checkpoint.h5").unlink()
    refused = CliRunner().invoke(main, _command(micro_data, out))
    assert refused.exit_code == 2, refused.output
    assert "whose weights file" in refused.output and "random0/A1B" in refused.output, refused.output
    lost = "delete its run folder and weights file (what it trained is lost): "
    assert f"{lost}{out}/random0/A1B.run, {out}/random0/A1B.h5" in refused.output, refused.output


def test_a_run_whose_network_is_the_weights_file_its_config_names_is_not_said_gone(micro_data, tmp_path):
    """A run folder that ``train -o random0/baseA.net`` made (its config.json names baseA.net, there): its
    network is not gone, as report and info tell it (run_remedies.network_gone). The grid looked for baseA.h5 alone
    and said, in its dry run and its rerun, that its weights file was gone and that it was trained again."""
    out = tmp_path / "grid"
    net, folder = out / "random0" / "baseA.net", out / "random0" / "baseA.run"
    by_hand = CliRunner().invoke(main, ["train", "--data", micro_data, "-o", str(net), "--preset", "micro",
                                        "--max-iter", "4", "--device", "cpu", "--quiet", "--split", "random",
                                        "--split-seed", "0", "--half", "A"])
    assert by_hand.exit_code == 0, by_hand.output
    (folder / "checkpoint.h5").unlink()
    assert net.is_file() and (folder / "result.json").is_file()  # the oracle: its network is there

    dry = CliRunner().invoke(main, _command(micro_data, out, "--dry-run"))
    assert dry.exit_code == 0, dry.output
    line = next(line for line in dry.stdout.splitlines() if "] random0/baseA" in line)
    assert "gone" not in line, line
    rerun = CliRunner().invoke(main, _command(micro_data, out))
    assert "gone" not in rerun.output, rerun.output
