"""A report refused for runs of two datasets names a second copy of one network beside the run kept from the
parts run_copies.once keeps of it (:class:`minitransfer.run_copies.SameNetwork`), not from its text: a kept run
in a folder whose name holds " (" ("grid (1)", as a file manager names a copy) was cut there ("grid"), and its
copy went unnamed in the listing."""

import copy
import pickle

from minitransfer.results import collect
from test_health64_mixed_copies import copies_of_two_datasets
from test_report import assert_refused_as_mixed


def test_a_copy_of_a_run_in_a_folder_named_with_a_parenthesis_is_named_beside_it(tmp_path):
    runs = tmp_path / "runs"
    copies_of_two_datasets(runs, ("grid (1)/T3T", "grid (2)/T3T"))
    results, _, left_out = collect(runs)
    assert sorted(r.run.name for r in results) == ["again/baseT", "baseT", "grid (1)/T3T"]
    assert any(text.startswith("grid (2)/T3T: the same network as grid (1)/T3T (") for text in left_out), left_out
    assert_refused_as_mixed(runs, tmp_path / "report",
                            f"2 datasets: /data/t (meta.json sha256 {'a' * 12}) (3: baseT, grid (1)/T3T, "
                            f"grid (2)/T3T, the same network as grid (1)/T3T); /data/t (meta.json sha256 {'b' * 12}) "
                            f"(1: again/baseT)")


def test_a_copy_left_out_keeps_its_parts_copied_and_pickled():
    from minitransfer.run_copies import SameNetwork  # here: the test above fails on the code before it by its output

    text = SameNetwork("b: 2/baseB", "a (1)/baseB", "baseB", 7)
    assert text == ("b: 2/baseB: the same network as a (1)/baseB (baseB, training seed 7; a copy of its folder, or "
                    "trained again with the same options), counted once, as a (1)/baseB")
    for again in (copy.deepcopy(text), pickle.loads(pickle.dumps(text))):
        assert (again, again.name, again.kept, again.label, again.seed) == (text, "b: 2/baseB", "a (1)/baseB",
                                                                            "baseB", 7)
