"""`demo --help`'s --precision said "Default: ieee." in its prose, where every other command shows
click's "[default: ieee]"; left out, the demo still passes no precision to its grid."""

from click.testing import CliRunner

from minitransfer.cli import demo as demo_cli
from minitransfer.cli import main


def precision_help(command):
    text = " ".join(CliRunner().invoke(main, [command, "--help"], terminal_width=200).output.split())
    return text.split("--precision [", 1)[1].split(" -", 1)[0]


def test_demo_shows_the_precisions_default_as_train_does():
    for command in ("train", "demo"):
        assert precision_help(command).endswith("[default: ieee]"), command
    assert "Default: ieee" not in precision_help("demo")


def test_left_out_the_demo_passes_no_precision(monkeypatch, tmp_path):
    seen = []

    def stop(device, gpus=None):
        raise SystemExit(0)

    monkeypatch.setattr(demo_cli.demo_folder, "default_out", lambda seed, precision: seen.append(precision) or tmp_path)
    monkeypatch.setattr(demo_cli, "choose_devices", stop)
    for given in ([], ["--precision", "ieee"]):
        CliRunner().invoke(main, ["demo", *given])
    assert seen == [None, "ieee"]
