"""The README's ``minitransfer`` lines run as written or are marked (see tests/cli/test_examples.py): a file of
its own, for the four networks they train and the one they resume, so that with ``--dist loadfile`` one xdist
worker trains them while another trains the ``--help`` examples' (together in one file they held one worker
for about 220 s on a loaded machine, the longest file of the suite)."""

import pathlib
import re

from help_examples import readme_examples as _readme_examples, run_or_check as _run_or_check

README = pathlib.Path(__file__).resolve().parents[2] / "README.md"


def test_the_readmes_examples_run_or_are_marked(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MINITRANSFER_CACHE", str(tmp_path / "cache"))
    examples = _readme_examples()
    assert examples
    for line in examples:
        _run_or_check(line)
    # "`train` writes the weights file and, beside it, a run directory `<stem>.run` (`config.json`, ..."
    listed = re.search(r"a run directory `<stem>\.run` \((.*?) with final", README.read_text(), flags=re.S)
    assert listed, "the README no longer lists the files of a run directory"
    written = sorted(path.name for path in (tmp_path / "baseA.run").iterdir())
    assert sorted(re.findall(r"`([^`]+)`", listed[1])) == written
