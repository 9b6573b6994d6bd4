"""The ``minitransfer`` command lines of the docs/ pages (their code blocks, and the whole commands their prose
quotes in backticks) name only options their command takes: the README's lines and docs/presets.md's were
checked (tests/cli/test_examples_readme.py, tests/test_docs64_blocks.py), those of docs/transfer.md and
docs/report.md by no test, so an option renamed in the code would leave a page telling a newcomer to type one
that is refused."""

import pathlib
import re
import shlex

from help_examples import command_of

DOCS = pathlib.Path(__file__).resolve().parents[1] / "docs"


def _lines(text):
    """The ``minitransfer ...`` command lines of a page: each code block's, and each backticked one in prose."""
    blocks = re.findall(r"^```[^\n]*\n(.*?)^```", text, flags=re.M | re.S)
    lines = [line.strip() for block in blocks for line in block.splitlines()
             if line.strip().startswith("minitransfer ")]
    prose = re.sub(r"^```[^\n]*\n.*?^```", "", text, flags=re.M | re.S)
    return lines + re.findall(r"`(minitransfer [^`]+)`", " ".join(prose.split()))


def _unknown(line):
    command, rest = command_of(shlex.split(line.split("#")[0])[1:])
    known = {"--help", "-h"}  # click's own, in no command's params
    known |= {option for parameter in command.params for option in parameter.opts + parameter.secondary_opts}
    return [word for word in rest if word.startswith("-") and word.split("=")[0] not in known]


def test_every_docs_page_command_line_takes_the_options_it_gives():
    lines = {page.name: _lines(page.read_text()) for page in sorted(DOCS.glob("*.md")) if page.name != "changes.md"}
    assert len(lines["transfer.md"]) >= 4 and len(lines["report.md"]) >= 2, lines  # what this test reads
    assert {name: [line for line in found if _unknown(line)] for name, found in lines.items()} == \
        {name: [] for name in lines}
