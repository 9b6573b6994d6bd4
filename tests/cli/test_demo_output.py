"""What ``minitransfer demo`` tells its user where its output ends early (``demo | head``) and where its
findings advise options: the demo's own words and commands, not those of the grid it runs."""

import json
import re
import shlex
import textwrap
from types import SimpleNamespace

import hangup
import pytest
from click.testing import CliRunner

from minitransfer import demo as demos
from minitransfer.cli import _errors, main
from minitransfer.cli.demo import _advice_for_the_demo, _reader_gone, _unfinished
from minitransfer.data import synthetic

TINY = {"preset": "mini", "max_iter": 3, "eval_every": 1, "batch_size": 8, "seed": 0}
TINY_PLAN = demos.DemoPlan(layers=(2,), networks_per_point=1, train=TINY, selffer_fine_tuned=False,
                           all_classes={"max_iter": 6, "eval_every": 2})
OPTION = re.compile(r"(?<![\w=/-])--[a-z][\w-]*[a-z0-9]")  # as test_help_text.py reads a help's options


def test_a_demo_whose_reader_goes_away_midway_says_to_rerun_it_not_to_report_it(tiny_data, tmp_path):
    """``minitransfer demo | head``: the grid stops at the first line it cannot write (141, as a Unix
    tool); on stderr it said the grid's summary, "... 10 not started; results in OUT (minitransfer
    report OUT)", a report of networks mostly not trained, where the demo goes on by a rerun."""
    script = textwrap.dedent(f"""
        import sys

        from minitransfer import demo as demos
        from minitransfer.cli import main
        from minitransfer.data import synthetic

        def benchmark(root=None):  # built once the reader of stdout has gone
            sys.stdin.readline()
            return {str(tiny_data)!r}

        synthetic.builtin_dataset = benchmark
        demos.CPU_PLAN = demos.{TINY_PLAN!r}
        main(["demo", "-o", {str(tmp_path / "demo")!r}, "--device", "cpu"], prog_name="minitransfer")
        """)
    demo = hangup.piped(script)
    assert demo.stdout.readline().startswith("preparing the built-in synthetic benchmark")
    error, code = hangup.reader_gone(demo, timeout=120)  # head has read its lines
    assert code == _errors.EXIT_OUTPUT_CLOSED, error
    assert error == ("the demo stopped: the reader of its output went away (| head); rerun the same command to go "
                     "on (finished networks are kept)\n")


def _train_options(command):
    """``minitransfer train`` arguments as field → text ("--max-iter 3" → max_iter: "3"; a flag: "True")."""
    words = shlex.split(command)[shlex.split(command).index("train") + 1:]
    options = {}
    for at, word in enumerate(words):
        if word.startswith("--"):
            value = words[at + 1] if at + 1 < len(words) and not words[at + 1].startswith("--") else "True"
            options[word[2:].replace("-", "_")] = value
    return options


@pytest.mark.usefixtures("placeholder_figures")
def test_options_the_findings_advise_are_told_as_an_experiments_with_the_command_that_trains_the_demos_networks(
        tiny_data, tmp_path, monkeypatch):
    """Three iterations a network: the findings advise more evaluations (--eval-every) and more
    validation images (prepare synthetic --val-per-class: the option of the command that made the demo's data),
    options the demo refuses (exit 2). The demo
    says so, and what to run instead; the oracle: that command, as it is, plans the networks the demo
    trained with the very options (seeds included) each one recorded."""
    monkeypatch.setattr(synthetic, "builtin_dataset", lambda root=None: tiny_data)
    monkeypatch.setattr(demos, "CPU_PLAN", TINY_PLAN)
    out = tmp_path / "demo"
    result = CliRunner().invoke(main, ["demo", "-o", str(out), "--device", "cpu"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    shown = [line for line in lines if line.startswith(("  holds: ", "  not shown: ", "  careful: "))]
    advised = list(dict.fromkeys(OPTION.findall("\n".join(shown))))
    assert {"--eval-every", "--val-per-class"} <= set(advised), shown
    refused = CliRunner().invoke(main, ["demo", "-o", str(out), "--device", "cpu", "--eval-every", "10"])
    assert refused.exit_code == 2 and "No such option '--eval-every'" in refused.output

    told = lines.index(f"  the demo takes none of the options advised above ({', '.join(advised)}): it trains one "
                       f"recipe on its built-in benchmark, and a rerun trains none again; --eval-every is "
                       f"`minitransfer experiment`'s: to train a grid like the demo's with it, on the same benchmark, "
                       f"in a folder of its own, change or add it in:")
    assert told == len(lines) - 4 and lines[-1] == ("  --val-per-class: for data or runs of your own (the commands "
                                                    "the advice names), not the demo's benchmark")
    assert lines[told + 2] == ("  but it trains its networks on all classes (all/) as the others (--max-iter 3 "
                               "--eval-every 1), where the demo trained them with --max-iter 6 --eval-every 2: one "
                               "experiment trains all its networks with the same options, and cannot plan those alone")
    command = shlex.split(lines[told + 1])
    assert command[:4] == ["minitransfer", "experiment", "-o", "FOLDER"] and "--data" not in command
    planned = CliRunner().invoke(main, [*command[1:3], str(tmp_path / "grid"), *command[4:], "--dry-run"])
    assert planned.exit_code == 0, planned.output
    commands = dict(re.findall(r"^  \[todo\] (\S+).*\n\s+(\S+ train .*)$", planned.stdout, flags=re.M))
    trained = {path.parent.relative_to(out).as_posix() + "/" + path.name[:-len(".run")]
               for path in out.glob("*/*.run")}
    assert trained - set(commands) == {"random0/B2A"}  # a random split's BnA: one experiment plans none alone
    assert {name for name in trained if name.startswith("all/")} == {"all/base", "all/random2"}
    for name in trained & set(commands):
        recorded = json.loads((out / f"{name}.run" / "config.json").read_text())
        options = _train_options(commands[name])
        apart = set(TINY_PLAN.all_classes) if name.startswith("all/") else set()  # the line above says which
        for field in set(options) - {"out", "copy_from", "resume"} - apart:
            assert options[field] == str(recorded[field]), (name, field)
        for field in apart:
            assert (options[field], recorded[field]) == (str(TINY[field]), TINY_PLAN.all_classes[field]), name
        assert options["data"] == str(tiny_data)


def test_no_line_is_added_where_no_option_is_advised_and_each_advised_option_is_placed():
    """A demo's findings that advise nothing get no line; those of a longer demo (train longer:
    --max-iter; more replicates: experiment --replicates) name experiment's options and its command."""
    quiet = SimpleNamespace(findings=[SimpleNamespace(text="At n=1, AnB is 0.3 points above BnB.")],
                            brief_warnings=lambda shown: [])
    assert _advice_for_the_demo(quiet, demos.CPU_PLAN, 0, "cpu", None) is None
    unresolved = SimpleNamespace(text="not resolved: train more networks per point: more replicates of the natural "
                                      "split (experiment --replicates)")
    advising = SimpleNamespace(findings=[unresolved], brief_warnings=lambda shown: [
        "still rising at the end (2): all/base, all/random1; train longer (--max-iter)"])
    told = _advice_for_the_demo(advising, demos.CPU_PLAN, 1, "cpu", "tf32").splitlines()
    assert told[0].startswith("  the demo takes none of the options advised above (--replicates, --max-iter)") and \
        "--replicates, --max-iter are `minitransfer experiment`'s" in told[0] and len(told) == 3
    assert "the demo trained them with --max-iter 1560 --stepsize 520 --eval-every 78:" in told[2]
    command = shlex.split(told[1])
    assert command[command.index("--max-iter") + 1] == str(demos.CPU_PLAN.train["max_iter"])
    assert command[command.index("--replicates") + 1] == str(demos.CPU_PLAN.networks_per_point)
    assert command[command.index("--seed") + 1] == "1" and command[command.index("--precision") + 1] == "tf32"
    seeds = [int(command[at + 1]) for at, word in enumerate(command) if word == "--split-seed"]
    assert seeds == list(range(demos.CPU_PLAN.splits, demos.CPU_PLAN.splits + demos.CPU_PLAN.networks_per_point))


GOLDEN_PLAN = demos.DemoPlan(layers=(1, 3), networks_per_point=2, train={"preset": "micro", "max_iter": 8},
                             selffer_fine_tuned=False, all_classes={"max_iter": 16})
GRID = ("    minitransfer experiment -o FOLDER --split random --split natural --split-seed 2 --split-seed 3 "
        "--layers 1,3 --random-frozen 1,3 --replicates 2 --preset micro --max-iter 8 --seed 1 --precision tf32 "
        "--device cpu\n"
        "  but it trains its networks on all classes (all/) as the others (--max-iter 8), where the demo trained them "
        "with --max-iter 16: one experiment trains all its networks with the same options, and cannot plan those "
        "alone")


@pytest.mark.parametrize("findings, warnings, advice", [
    (["not resolved: more replicates (experiment --replicates)"],
     ["train longer (--max-iter); or prepare folder --val-fraction 0.1"],
     "  the demo takes none of the options advised above (--replicates, --max-iter, --val-fraction): it trains one "
     "recipe on its built-in benchmark, and a rerun trains none again; --replicates, --max-iter are `minitransfer "
     "experiment`'s: to train a grid like the demo's with them, on the same benchmark, in a folder of its own, "
     "change or add them in:\n" + GRID + "\n  --val-fraction: for data or runs of your own (the commands the advice "
     "names), not the demo's benchmark"),
    (["train longer (--max-iter)"], [],
     "  the demo takes none of the options advised above (--max-iter): it trains one recipe on its built-in "
     "benchmark, and a rerun trains none again; --max-iter is `minitransfer experiment`'s: to train a grid like the "
     "demo's with it, on the same benchmark, in a folder of its own, change or add it in:\n" + GRID),
    ([], ["rerun with --overwrite"],
     "  the demo takes none of the options advised above (--overwrite): it trains one recipe on its built-in "
     "benchmark, and a rerun trains none again\n  --overwrite: for data or runs of your own (the commands the "
     "advice names), not the demo's benchmark"),
], ids=["grid-and-own", "grid", "own"])
def test_the_advice_reads_word_for_word(findings, warnings, advice):
    """The advice in full, as it read before its pieces were shared with the rest of the demo's words."""
    written = SimpleNamespace(findings=[SimpleNamespace(text=text) for text in findings],
                              brief_warnings=lambda shown: warnings)
    assert _advice_for_the_demo(written, GOLDEN_PLAN, 1, "cpu", "tf32") == advice


@pytest.mark.parametrize("elsewhere, end", [
    ([], ""),
    (["random0/A1B"], "; 1 network still training in another process, left to it (a rerun waits for it)"),
], ids=["alone", "one-elsewhere"])
def test_an_interrupted_and_a_cut_off_demo_read_word_for_word(elsewhere, end):
    outcome = SimpleNamespace(interrupted=True, training_elsewhere=elsewhere)
    assert _unfinished(outcome) == f"the demo was interrupted; rerun the same command to go on (finished networks " \
                                   f"are kept){end}"
    assert _reader_gone(outcome) == f"the demo stopped: the reader of its output went away (| head); rerun the same " \
                                    f"command to go on (finished networks are kept){end}"
