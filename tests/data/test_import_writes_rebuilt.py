"""What a prepare rerun says of the shards it rebuilt (:meth:`.import_writes.Writes.said`): the same reason was
said once a shard ("train-00000.h5 rebuilt: R; train-00001.h5 rebuilt: R; ..."); shards of one reason are now
named in one clause, the reason said once."""

from minitransfer.data.import_writes import REBUILT_NAMED, Writes


def _rebuilt(reasons):
    """(name, why) of shards train-00000.h5 ... rebuilt for ``reasons`` (one a shard), in order."""
    return tuple((f"train-{number:05d}.h5", why) for number, why in enumerate(reasons))


def test_shards_of_one_reason_are_named_in_one_clause_and_reasons_kept_in_the_order_met():
    rebuilt = _rebuilt(["R1", "R2", "R1"])
    said = Writes(3, 4, (), rebuilt).said()
    assert said == "4 shards reused, 3 written (train-00000.h5 and train-00002.h5 rebuilt: R1; train-00001.h5 " \
                   "rebuilt: R2)"
    assert said.count("R1") == 1


def test_past_the_names_given_a_clause_counts_its_shards_and_past_the_reasons_given_the_rest_are_counted():
    reasons = ["same"] * (REBUILT_NAMED + 2) + [f"other {number}" for number in range(REBUILT_NAMED + 1)]
    rebuilt = _rebuilt(reasons)
    said = Writes(len(rebuilt), 1, (), rebuilt).said()
    first = ", ".join(name for name, _ in rebuilt[:REBUILT_NAMED])
    others = [f"{name} rebuilt: {why}" for name, why in rebuilt[REBUILT_NAMED + 2:][:REBUILT_NAMED - 1]]
    left = len(reasons) - (REBUILT_NAMED + 2) - (REBUILT_NAMED - 1)
    assert said == (f"1 shard reused, {len(rebuilt)} written ({first} and 2 more rebuilt: same; "
                    f"{'; '.join(others)}; and {left} more rebuilt)")


def test_nothing_is_named_where_no_shard_was_reused():
    assert Writes(3, 0, ("meta.json",), _rebuilt(["R1", "R2", "R1"])).said() == ""
