"""A default given in words is said in the option's text, as every other such default is: click's own
"[default: ...]" put train's --seed default in parentheses of its own, "[default: (0; a copy's derived);
0<=x<=4294967295]", which taught neither what the derived seed is nor when. And --log-every says what it
sets (metrics.jsonl's records, the progress lines of a log), not "Log line every K iterations"."""

from click.testing import CliRunner
from help_examples import commands

from minitransfer.cli import main
from minitransfer.progress import Progress


def _help(*path):
    return " ".join(CliRunner().invoke(main, [*path, "--help"], terminal_width=80).output.split())


def test_no_command_shows_a_default_in_parentheses_of_its_own():
    shown = {" ".join(path): _help(*path) for path, _ in commands(main)}
    assert {name: text for name, text in shown.items() if "[default: (" in text} == {}


def test_trains_seed_says_its_default_and_when_it_is_derived():
    text = _help("train")
    seed = text[text.index("--seed INTEGER RANGE"):text.index("--preset [")]
    assert "(default: 0; with --copy-from, one derived from the base's recorded seed and the network's name" in seed
    assert "replicate" in seed and "[default" not in seed, seed


def test_log_every_names_what_it_sets():
    text = _help("train")
    log_every = text[text.index("--log-every INTEGER"):text.index("--resume auto|RUN")]
    assert "metrics.jsonl" in log_every and f"at least every {Progress.LINE_SECONDS} s" in log_every, log_every
