"""The demo's --help gives the minutes it takes on two cores as the README measures them: "88 networks in 119 s"
(this version, its demo output) and "224-269 s" (seeds 0-25 at an earlier one); the help said 3-5 minutes, which
the README's own measurement of this version, two minutes, lies below."""

import pathlib
import re
from collections import Counter
from types import SimpleNamespace

from click.testing import CliRunner

from minitransfer import demo, run_lines
from minitransfer.cli import main

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def test_the_demos_help_gives_the_minutes_the_readme_measured():
    text = README.read_text()
    networks = len(demo.CPU_PLAN.runs(0))
    measured = [int(seconds) for seconds in re.findall(rf"^{networks} networks in (\d+) s$", text, flags=re.M)]
    measured += [int(seconds) for seconds in re.search(r"took (\d+)-(\d+) s\b", text).groups()]
    assert len(measured) == 3, measured  # the demo's output block and the seeds' range
    shown = CliRunner().invoke(main, ["demo", "--help"], terminal_width=200).output
    low, high = map(int, re.search(r"# takes minutes \((?:about )?(\d+)-(\d+) on 2 CPU cores\)", shown).groups())
    assert low <= round(min(measured) / 60) and round(max(measured) / 60) <= high, (measured, low, high)


def test_trains_help_says_copy_from_and_n_go_together(tmp_path):
    """train refuses --copy-from without --n and --n without --copy-from (exit 2); the help of neither said so,
    nor that --n has no default."""
    refused = [CliRunner().invoke(main, ["train", *given, "-o", str(tmp_path / "net.h5")]) for given in
               (["--copy-from", str(tmp_path / "base.h5")], ["--n", "3"])]
    assert [result.exit_code for result in refused] == [2, 2], [result.output for result in refused]
    helps = {parameter.opts[0]: parameter.help for parameter in main.commands["train"].params}
    copy_from, n = helps["--copy-from"], helps["--n"]
    assert "--n N required with it" in copy_from and "required with --copy-from" in n, (copy_from, n)


def test_trains_help_quotes_its_done_line_as_train_words_it():
    """train's help quoted its result line as "done: final top-1 ..., weights in OUT, ...", where train prints
    "...; weights in OUT" after its best and mean of 10 best (run_lines.result_line): its "..." stands for any
    words, OUT and RUN for the paths."""
    shown = " ".join(CliRunner().invoke(main, ["train", "--help"], terminal_width=200).output.split())
    quoted = re.search(r'the line "(done: [^"]+)"', shown)
    assert quoted, "train's help no longer quotes its done: line"
    pattern = re.escape(quoted[1]).replace(re.escape("..."), ".+").replace("OUT", "(?P<out>.+)").replace("RUN", ".+")
    result = SimpleNamespace(final={"top1": 0.5}, best_top1=0.625, evaluations=12, mean10_top1=0.6,
                             out="baseA.h5", run_dir="baseA.run")
    said = run_lines.result_line(result)
    assert re.fullmatch(pattern, said) and re.fullmatch(pattern, said)["out"] == "baseA.h5", (quoted[1], said)


def test_the_demos_help_counts_the_networks_per_point_its_cpu_plan_trains():
    """The demo's help said "three networks per point" where the two more random splits give five at the points
    the claims about n = 1 and n = 7 compare (AnB at n = 1: random0/A1B to random4/A1B): counted here from the
    plan, a point being a split kind and a network's name (random3/A1B and random0/A1B, natural-2/A4B and
    natural/A4B are one point each)."""
    points = Counter((name.split("/")[0].rstrip("0123456789-"), name.split("/")[1]) for name in
                     (run.name for run in demo.CPU_PLAN.runs(0)))
    numbers = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
    shown = " ".join(CliRunner().invoke(main, ["demo", "--help"], terminal_width=200).output.split())
    said = re.search(r"On the CPU, .*?, (\w+)(?: to (\w+))? networks per point\.", shown)
    assert said, "the demo's help no longer counts its networks per point"
    low, high = numbers[said[1]], numbers[said[2] or said[1]]
    assert (low, high) == (min(points.values()), max(points.values())), (said[0], points)
