"""A treatment.json edited or damaged into no treatment (fields missing, not an object) leaves its run out with a
line in a treatment's words, not Python's ("Run.__init__() missing 4 required positional arguments", "'list'
object has no attribute 'items'")."""

import json

import pytest

from minitransfer import report

from test_report import write_runs


@pytest.mark.parametrize("record, words", [({"n": 1}, "no name, kind, split, split_seed: fields every treatment "
                                                      "records"),
                                           ({"name": "random0/A1B", "n": 1}, "no kind, split, split_seed"),
                                           ([1, 2], "expected a JSON object, got list"),
                                           (None, "expected a JSON object, got null")])
def test_a_treatment_without_its_fields_is_named_in_its_words(tmp_path, record, words):
    runs = write_runs(tmp_path / "grid")
    treatment = runs / "random0" / "A1B.run" / "treatment.json"
    treatment.write_text(json.dumps(record))
    measured = report.measure(runs)
    said = [line for line in measured.left_out if "random0/A1B:" in line]
    assert len(said) == 1 and f"{treatment}: not a treatment as experiment writes it ({words}" in said[0], said
    assert "__init__" not in said[0] and "attribute" not in said[0]
