"""The ``--help`` examples of ``experiment``, ``report`` and ``demo`` run as written or are marked (see
tests/cli/test_examples.py): a file of its own, for the grid that ``experiment``'s example trains, so that
with ``--dist loadfile`` one xdist worker trains it while another runs the other commands' examples."""

from help_examples import CHAINS, run_chain


def test_the_experiment_report_and_demo_examples_run_or_are_marked(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MINITRANSFER_CACHE", str(tmp_path / "cache"))
    ran, marked = run_chain(CHAINS[2])
    assert any(line.startswith("minitransfer experiment ") and "--dry-run" not in line for line in ran)
    assert any(line.startswith("minitransfer demo ") for line in marked)
