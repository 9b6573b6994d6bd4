"""A folder whose every finished run report measures nowhere is refused with the runs grouped by the reason of
their kind. The grouping was read back from the message text (split at its first ": "), so a run's description
holding ": " set each run of one kind apart, and a rewording broke it silently. Now it is told by the error's type
and parts (treatments.MeasuredNowhere, kept by results.collect). Fake run folders (tests/test_report.py's
write_run)."""

import pytest

from minitransfer import report, treatments
from test_report_controls_on_a_half import write_by_hand


def _half_words_with_a_colon(split, seed, half):
    """The words of a run's half, reworded to hold ": " before the half, which differs between the runs."""
    return f"the {split} split {seed}: half {half}"


def test_runs_of_one_kind_group_though_their_description_holds_a_colon(tmp_path, monkeypatch):
    monkeypatch.setattr(treatments, "_half_words", _half_words_with_a_colon)
    runs = tmp_path / "runs"
    write_by_hand(runs, "random1B", 0.40, half="B", random_frozen=1)
    write_by_hand(runs, "random2A", 0.45, half="A", random_frozen=2)
    write_by_hand(runs, "reduced5", 0.30, per_class=5)
    with pytest.raises(report.NoRuns) as refused:
        report.write_report(runs, tmp_path / "report", figures=False)
    said = " ".join(str(refused.value).split())
    first = str(treatments.control_on_a_half("random-frozen", "random", 0, "B"))
    assert _half_words_with_a_colon("random", 0, "B") in first  # the oracle: the description holds ": "
    assert said.startswith(f"nothing to report under {runs}: 3 runs finished (*.run/result.json), each of a kind "
                           f"report measures nowhere: left out random1B, random2A, reduced5 (3; e.g. random1B: a "
                           f"random-weights control (its first layers random and frozen) trained on the random split "
                           f"0: half B): "), said
    assert said.count("report draws and measures them only there") == 1, said  # the kind's reason once
    assert first.endswith(said.rsplit("): ", 1)[1]), said  # ending in the kind's reason and what to train instead
