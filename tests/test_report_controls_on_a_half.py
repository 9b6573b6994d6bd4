"""A random-weights control (train --random-frozen N) or a reduced-data run (train --per-class K) trained
on a half (train's default: half A of the random split) was read as "random" / "reduced", listed in
results.md and then silently dropped: the figures and findings draw and measure the paper's controls on
every class only (split all). Now report leaves it out, naming it with why, and train warns of it as it
starts, in report's own words."""

import pytest
from click.testing import CliRunner

from minitransfer import experiment as grid
from minitransfer import report, treatments
from minitransfer.cli import main
from test_report import write_run

DATA = "/data/syn8"
FAST = ["--preset", "micro", "--max-iter", "2", "--eval-every", "2", "--batch-size", "8", "--device", "cpu"]
LEFT_OUT = "report will leave this run out: it is "


def write_by_hand(out, name, accuracy, **config):
    """A run trained by hand (config.json, no treatment.json) on DATA with ``config``."""
    write_run(out, grid.Run(name, "?", "all", 0), accuracy, treatment=False,
              config={"data": DATA, "split": "random", "split_seed": 0, "half": "A", **config})


def test_controls_on_a_half_are_left_out_with_why_and_those_on_every_class_kept(tmp_path):
    runs = tmp_path / "runs"
    write_by_hand(runs, "base", 0.60, split="all", half=None)
    write_by_hand(runs, "random1", 0.50, split="all", half=None, random_frozen=1)
    write_by_hand(runs, "random1B", 0.40, half="B", random_frozen=1)
    write_by_hand(runs, "reduced5", 0.30, per_class=5)
    write_by_hand(runs, "natural2A", 0.35, split="natural", split_seed=None, random_frozen=2)
    written = report.write_report(runs, tmp_path / "report", figures=False)
    kinds = {r.run.name: r.run.kind for r in written.results}
    assert kinds == {"base": "base", "random1": "random-frozen"}
    said = {text.split(":", 1)[0]: text for text in written.left_out}
    assert set(said) == {"random1B", "reduced5", "natural2A"}, written.left_out
    assert "random-weights control" in said["random1B"] and "half B of the random split 0" in said["random1B"]
    assert "reduced-data run" in said["reduced5"] and "half A of the random split 0" in said["reduced5"]
    assert "half A of the natural split:" in said["natural2A"]
    for text in said.values():
        assert text.endswith("train it on every class (--split all)")
    for name in ("results.md", "findings.md"):
        document = written.files[name].read_text()
        left = document.split("## Left out", 1)[1]
        for run in ("random1B", "reduced5", "natural2A"):
            assert run in left and run not in document.split("## Left out", 1)[0]


@pytest.mark.parametrize("given, kind", [(["--random-frozen", "1"], "random-weights control"),
                                         (["--per-class", "5"], "reduced-data run"),
                                         (["--split", "random", "--half", "B", "--random-frozen", "1"],
                                          "random-weights control")],
                         ids=["random-frozen", "per-class", "random-frozen-half-B"])
def test_a_control_on_a_half_is_warned_of_with_reports_reason(synthetic_8, tmp_path, given, kind):
    runs = tmp_path / "runs"
    runs.mkdir()
    done = CliRunner().invoke(main, ["train", "--data", synthetic_8, *given, "-o", str(runs / "control.h5"), *FAST])
    assert done.exit_code == 0, done.output
    said = " ".join(done.output.split())
    assert said.count(LEFT_OUT) == 1, said
    warned = said.split(LEFT_OUT)[1]
    with pytest.raises(report.NoRuns) as refused:  # the oracle: what report does with the run, its only one
        report.write_report(runs, runs / "report")
    reason = " ".join(str(refused.value).split()).split("left out control: ", 1)[1]
    assert reason.startswith(f"a {kind}")
    assert warned.startswith(reason.split("; ")[0])  # report's own words, up to what to do instead
    assert "train it on every class (--split all)" in warned


def test_a_control_on_every_class_is_not_warned_of(synthetic_8, tmp_path):
    done = CliRunner().invoke(main, ["train", "--data", synthetic_8, "--split", "all", "--random-frozen", "1",
                                     "-o", str(tmp_path / "random1.h5"), *FAST])
    assert done.exit_code == 0, done.output
    assert "leave this run out" not in done.output


@pytest.mark.parametrize("config", [False, True], ids=["treatment-only", "with-config"])
def test_controls_on_a_half_read_from_their_treatment_json_are_left_out_with_why(tmp_path, config):
    """A grid's run folder holds a treatment.json, which the control on a half is read from, without a config.json
    (why_left_out, which refuses one read from its config.json, never sees it) or with one."""
    runs = tmp_path / "runs"
    base = grid.Run("all/base", "base", "all", 0)
    controls = [grid.Run("random0/random1B", "random-frozen", "random", 0, target="B", n=1),
                grid.Run("natural/reduced5A", "reduced", "natural", 0, target="A", per_class=5)]
    for run, settings in [(base, {"split": "all"}), (controls[0], {"half": "B", "random_frozen": 1}),
                          (controls[1], {"split": "natural", "half": "A", "per_class": 5})]:
        write_run(runs, run, 0.5, config={"data": DATA, "split": "random", "split_seed": 0, **settings} if config
                  else None)
    written = report.write_report(runs, tmp_path / "report", figures=False)
    assert [r.run.name for r in written.results] == ["all/base"]
    said = {text.split(":", 1)[0]: text for text in written.left_out}
    for run in controls:
        assert str(treatments.control_on_a_half(run.kind, run.split, run.split_seed, run.target)) in said[run.name]
