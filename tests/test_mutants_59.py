"""Mutation testing of the modules added or reworked in the last sessions: each test here kills a mutant (a small
change of the code: a comparison flipped, a branch dropped, a threshold changed) that the modules' own tests let
through, named beside it. Every oracle is worked out by hand (or with plain NumPy) from the figures given."""

import math

import numpy as np
import pytest

from minitransfer import findings_coadaptation
from test_findings import network
from test_findings_coadaptation import BASE, TOP_UNMEASURED, found, grid
from test_findings_few_draws import THREE_SPLIT_SEEDS_ADVISED

NAN = math.nan


# -- findings_coadaptation._side: (dip, recovery) of the figures, in points -----------------------------------------
# The rule (its docstring): dip where the judged layer's mean (the first argument: its index) is at least 2 points
# below 0 and below it by more than 2 standard errors; none where every mean is within 2 points (2 se <= 2) or above
# 0 by more than 2 se; lost where -plus - 2 se(plus) > 2 (above BnB or not); else recovered where BnB+ are within 2
# points of the base by two se (above BnB or not: back part way is no recovery); the top layer's BnB alike.

def test_a_lowest_layer_resolved_above_the_base_is_no_dip():
    # 5 ± 0.5: resolved, but above the base: every layer is above it, no dip (mutant: `lowest < 0` dropped)
    assert findings_coadaptation._side(0, 5.0, 0.5, NAN, NAN, NAN, NAN) == ("none", "unmeasured", "unmeasured")


def test_one_layer_within_the_base_and_another_unresolved_is_not_none():
    # n=3 +0.5 ± 0.2 is within 2 points; n=4 -10 ± 6 neither resolved nor within: unresolved (mutant: any() for all())
    assert findings_coadaptation._side(1, 0.5, 0.2, -10.0, 6.0, NAN, NAN, NAN, NAN)[0] == "unresolved"


def test_bnb_plus_resolved_below_the_bnb_is_no_recovery():
    # BnB -5 ± 0.5 (a dip); BnB+ -8 ± 0.5, 3 ± 0.5 below the BnB: -8 + 1 = -7 beyond -2: lost; the top layer's BnB
    # -3.5 ± 0.5 likewise below (3.5 - 1 = 2.5 beyond 2)
    assert findings_coadaptation._side(0, -5.0, 0.5, -8.0, 0.5, -3.5, 0.5) == ("dip", "lost", "below")


def test_bnb_plus_below_the_base_by_less_than_close_beyond_its_errors_is_uncertain():
    # BnB+ -3 ± 0.6: 3 - 1.2 = 1.8 points beyond two errors, not beyond CLOSE (2): uncertain, not lost
    # (mutant: the threshold CLOSE made 0)
    assert findings_coadaptation._side(0, -5.0, 0.5, -3.0, 0.6, 1.0, 1.0) == ("dip", "uncertain", "uncertain")


def test_bnb_plus_lost_asks_two_standard_errors_not_one():
    # BnB+ -4 ± 1.5: 4 - 2 * 1.5 = 1 point beyond two errors: uncertain; 4 - 1.5 = 2.5 with one (mutant) would be lost
    assert findings_coadaptation._side(0, -5.0, 0.5, -4.0, 1.5, 1.0, 0.4) == ("dip", "uncertain", "back")


# -- findings_coadaptation.coadaptation, on hand-built grids (tests/test_findings_coadaptation.py's) --------------

def test_a_dip_whose_recovery_is_uncertain_does_not_hold():
    # BnB at n=4: 0.55 + 0.003 s (-5, -4.7, -4.4 points); BnB+ at n=4 by hand: -10, -3, +4 points: mean -3,
    # sd 7, se 7 / sqrt(3) = 4.04: neither within 2 points (a se that wide is not precise) nor resolved above the BnB
    # (1.7 ± 4.05), nor beyond -2 by two se: uncertain (mutant: `holds` took "uncertain" as a recovery)
    results = grid(tuned={})
    results += [network(f"random{seed}/B4B+", "selffer", "random", seed, accuracy, target="B", source="B", n=4,
                        tuned=True) for seed, accuracy in enumerate((0.50, 0.57, 0.64))]
    values = 100 * (np.array([0.50, 0.57, 0.64]) - BASE)
    assert values.std(ddof=1) / np.sqrt(3) == pytest.approx(4.04, abs=0.01)
    claim = found(results)
    assert not claim.holds and claim.text.endswith(
        "a dip, but its recovery by fine-tuning (BnB+) is not resolved by these runs: train more networks per point: "
        "more random splits (experiment --split-seed, once per split)" + TOP_UNMEASURED + "."
        + THREE_SPLIT_SEEDS_ADVISED), \
        claim.text


def test_one_network_alone_is_too_few_for_a_standard_error():
    # one split seed, half B alone: one BnB at each n, 1 network (mutant: `dip.count < 1`, which called it one draw)
    claim = found(grid(seeds=1))
    assert not claim.holds and "not resolved: too few networks for a standard error (1; at least 2 needed)" \
        in claim.text, claim.text


def test_bnb_plus_without_bnb_beside_them_are_not_counted():
    # a fourth seed with its base and a B4B+ but no B4B: not measured beside a BnB, not among the networks used:
    # 4 middle n x 3 seeds of BnB + 3 BnB+ = 15 (mutant: the `in common` filter dropped, 16)
    results = grid(tuned={4: 0.60})
    results += [network("random3/baseB", "base", "random", 3, BASE),
                network("random3/B4B+", "selffer", "random", 3, 0.60, target="B", source="B", n=4, tuned=True)]
    claim = found(results)
    assert claim.networks == 4 * 3 + 3, claim.text


def test_bnb_plus_of_two_draws_say_their_standard_error_is_uncertain():
    # BnB of 3 seeds, BnB+ of 2 (seeds 0 and 1): the recovery's ± rests on 2 split seeds (mutant: only the dip's
    # draws were told to few_draws)
    results = [r for r in grid(tuned={4: 0.60}) if not (r.run.fine_tuned and r.run.split_seed == 2)]
    claim = found(results)
    assert claim.holds and "Careful: 2 split seeds give its ± 1 degree of freedom" in claim.text, claim.text


# -- findings_groups.by_draw / tuned ---------------------------------------------------------------------------------

def test_the_natural_split_trained_by_hand_in_two_folders_is_two_draws():
    # replicate 0 in two folders: two draws, relative accuracies +1 and +3 points: mean 2, se of two values
    # sqrt(((1-2)² + (3-2)²) / 1) / sqrt(2) = 1 (mutant: a draw keyed by its seed alone, whatever the split: one draw,
    # no standard error)
    from minitransfer import findings_groups
    groups = {(0, "B", "natural-a"): [0.01], (0, "B", "natural-b"): [0.03]}
    spread = findings_groups.tuned(groups, "natural")
    assert (spread.count, spread.bases, spread.draws) == (2, 2, 2)
    assert (spread.mean, spread.se) == (pytest.approx(2.0), pytest.approx(1.0))
    assert set(findings_groups.by_draw(groups, "natural")) == {(0, "natural-a"), (0, "natural-b")}


def test_bnb_plus_of_one_split_seed_say_it_gives_no_standard_error():
    # BnB of 3 seeds (and seed 0's half A); BnB+ of seed 0 alone, both halves: 2 networks, 1 draw, no standard
    # error: the recovery is not resolved for want of split seeds (mutant: `plus.draws < 1`, which said it was
    # not resolved by these runs, as though more of the same would not help)
    results = grid()
    results += [network("random0/baseA", "base", "random", 0, 0.70, target="A"),
                network("random0/A4A", "selffer", "random", 0, 0.65, target="A", source="A", n=4),
                network("random0/A4A+", "selffer", "random", 0, 0.70, target="A", source="A", n=4, tuned=True),
                network("random0/B4B+", "selffer", "random", 0, 0.60, target="B", source="B", n=4, tuned=True)]
    claim = found(results)
    assert not claim.holds and "a dip, but its recovery by fine-tuning (BnB+) is not resolved: one split seed gives " \
        "no standard error" in claim.text, claim.text


# -- findings_caveats.few_draws ------------------------------------------------------------------------------------

def _group(draws, split="random", se=0.5):
    from minitransfer.findings_groups import OverBases
    return OverBases(mean=-3.0, se=se, count=draws, bases=draws, draws=draws, split=split)


def test_the_caveat_of_two_draws_names_what_trains_more_of_the_group_of_two():
    # the natural split's group of 3 replicates, the random split's of 2 split seeds: the caveat counts both
    # (Welch-Satterthwaite: (2 se²)² / (se⁴ / 2 + se⁴ / 1) = 2.67, 2 degrees) and advises more random splits, the
    # fewest draws (mutant: the advice of the first group's split)
    from minitransfer.findings_caveats import few_draws
    said = few_draws(_group(3, "natural"), _group(2, "random"))
    assert said.startswith(" Careful: 3 replicates + 2 split seeds give its ± 2 degrees of freedom") and said.endswith(
        "not the verdict's two: more random splits (experiment --split-seed, once per split)."), said


def test_no_caveat_of_two_draws_beside_a_group_of_one_draw():
    # a group of one draw has no standard error at all (the verdict says so): no caveat on the other's two
    # (mutants: the one-draw check dropped, or asked of every group rather than any)
    from minitransfer.findings_caveats import few_draws
    assert few_draws(_group(2), _group(1, se=math.nan)) == ""
    assert few_draws(_group(1, se=math.nan), _group(2)) == ""


def test_no_caveat_of_two_draws_without_a_standard_error():
    # two draws but no standard error (NaN): no ± to caveat (mutant: the `se == se` check dropped)
    from minitransfer.findings_caveats import few_draws
    assert few_draws(_group(2, se=math.nan)) == ""


def test_cross_dataset_selffers_measured_against_bases_at_chance_are_not_judged(tmp_path):
    # as the random split's (tests/test_findings_coadaptation.py), across datasets: TnT against bases at 13% where
    # guessing scores 12.5% (1 of 8 classes) on the 400 validation images of the whole target dataset, a band of
    # 3 x sqrt(0.125 x 0.875 / 400) = 5.0 points (mutant: the claim's bases, CROSS, dropped from
    # findings_caveats._BASES_OF)
    import dataclasses

    from minitransfer.data import synthetic
    from minitransfer.data.dataset import open_dataset
    path = tmp_path / "synthetic-8-val50"
    synthetic.build_synthetic(path, classes=8, train_per_class=1, val_per_class=50, size=14, seed=1)
    dataset = open_dataset(str(path))
    results = [dataclasses.replace(r, mean10_top1=r.mean10_top1 - 0.47, dataset=str(dataset.path),
                                   fingerprint=dataset.fingerprint) for r in grid(tuned={4: 0.60}, split="cross")]
    claim = found(results, "co-adaptation-across-datasets")
    assert not claim.holds and ": not judged: these networks copy their layers from, or are measured against, " \
        "bases no better than chance" in claim.text, claim.text


# -- checkpoint_identity.network_sha256: what tells one network from another, and nothing of where -----------------

def _checkpoint(**changes):
    from minitransfer.checkpoint import Checkpoint
    rng = np.random.default_rng(3)
    weights = {"conv1": (rng.standard_normal((4, 3, 3, 3)).astype(np.float32), np.ones(4, np.float32)),
               "fc8": (rng.standard_normal((2, 4)).astype(np.float32), np.zeros(2, np.float32))}
    meta = {"classes": [{"index": 0, "wnid": "n0", "name": "a"}, {"index": 1, "wnid": "n1", "name": "b"}],
            "dataset_fingerprint": "f" * 64, "dataset_classes_sha256": "c" * 64, "split_kind": "random",
            "split_seed": 0, "split_half": "A", "iteration": 4, "out": "/here/run"}
    preset = changes.pop("preset", "micro")
    weights = changes.pop("weights", weights)
    meta.update(changes)
    return Checkpoint(preset=preset, weights=weights, frozen={}, meta=meta, sha256=None)


@pytest.mark.parametrize("field, other", [
    ("dataset_fingerprint", "e" * 64), ("dataset_classes_sha256", "d" * 64), ("split_kind", "natural"),
    ("split_seed", 1), ("split_half", "B"), ("iteration", 5), ("preset", "caffenet"),
    ("classes", [{"index": 1, "wnid": "n0", "name": "a"}, {"index": 0, "wnid": "n1", "name": "b"}])])
def test_a_network_trained_on_other_data_or_further_has_another_digest(field, other):
    # each field that tells one network from another (the module's docstring), changed alone: another digest
    # (mutants: `iteration`, `dataset_classes_sha256`, the preset, the classes' indices left out of the digest)
    from minitransfer.checkpoint_identity import network_sha256
    assert network_sha256(_checkpoint(**{field: other})) != network_sha256(_checkpoint())


def test_the_same_network_written_elsewhere_or_read_back_has_one_digest():
    # a path (`out`) is no part of it; an HDF5 attribute read back as a NumPy integer, or arrays read as float64,
    # are the same values (mutants: the float32 cast, or _plain's .item(), dropped)
    from minitransfer.checkpoint_identity import network_sha256
    base = _checkpoint()
    wider = {name: tuple(array.astype(np.float64) for array in arrays) for name, arrays in base.weights.items()}
    assert network_sha256(_checkpoint(out="/there/run")) == network_sha256(base)
    assert network_sha256(_checkpoint(split_seed=np.int64(0), iteration=np.int32(4))) == network_sha256(base)
    assert network_sha256(_checkpoint(weights=wider)) == network_sha256(base)


def test_the_same_numbers_under_other_layer_names_or_shapes_are_another_network():
    # one array's bytes under another layer name, or reshaped: another network (mutants: the name, or the shape,
    # left out of the digest)
    from minitransfer.checkpoint_identity import network_sha256
    base = _checkpoint()
    renamed = {("fc7" if name == "fc8" else name): arrays for name, arrays in base.weights.items()}
    reshaped = {name: (arrays[0].reshape(arrays[0].shape[0], -1), arrays[1]) if name == "conv1" else arrays
                for name, arrays in base.weights.items()}
    assert network_sha256(_checkpoint(weights=renamed)) != network_sha256(base)
    assert network_sha256(_checkpoint(weights=reshaped)) != network_sha256(base)


# -- checkpoint_identity: a copy's base by its network, and the caches of files' digests ------------------------------

COPY = {"parent_sha256": "b" * 64, "source": {"network_sha256": "n" * 64}}


def test_a_copy_takes_a_base_file_of_its_network_for_the_one_it_copied_and_no_other():
    # the copy recorded base file b... of network n...: a file a... now, of network n..., is that base (b...); of
    # another network, it is itself (a...); no file now is None (mutants: either branch returned always, or the
    # missing file's None dropped)
    from minitransfer.checkpoint_identity import copied_sha256
    assert copied_sha256(COPY, "a" * 64, lambda: "n" * 64) == "b" * 64
    assert copied_sha256(COPY, "a" * 64, lambda: "m" * 64) == "a" * 64
    assert copied_sha256(COPY, None, lambda: "n" * 64) is None


def test_checkpoints_in_memory_are_not_digested_once_for_all():
    # two checkpoints not read from a file (no sha256) of two networks: two digests (mutant: the cache by file
    # sha256 asked of them too, keyed None, which gave the second the first's digest)
    from minitransfer.checkpoint_identity import file_network_sha256, network_sha256
    first, second = _checkpoint(), _checkpoint(iteration=9)
    assert file_network_sha256(first) == network_sha256(first)
    assert file_network_sha256(second) == network_sha256(second) != network_sha256(first)


def test_a_file_rewritten_in_place_with_as_many_bytes_is_read_again(tmp_path):
    # the same inode and size, another modification time: another version, hashed anew (mutant: the mtime left out
    # of the cache's key); the oracle is hashlib of the bytes
    import hashlib
    import os

    from minitransfer.checkpoint_identity import weights_sha256
    path = tmp_path / "base.h5"
    path.write_bytes(b"first version")
    assert weights_sha256(path) == hashlib.sha256(b"first version").hexdigest()
    with open(path, "r+b") as file:
        file.write(b"other")
    os.utime(path, ns=(os.stat(path).st_atime_ns, os.stat(path).st_mtime_ns + 10**9))
    assert weights_sha256(path) == hashlib.sha256(b"other version").hexdigest()


def test_a_network_digest_recorded_of_another_version_of_the_file_is_not_taken(tmp_path):
    # result.json records a network digest of a file of 1 byte written at time 1: the file here is another (not a
    # checkpoint at all): no digest (mutant: the record taken without asking whether the file is as train wrote it)
    import json

    from minitransfer.checkpoint_identity import weights_network_sha256
    (tmp_path / "base.run").mkdir()
    (tmp_path / "base.run" / "result.json").write_text(json.dumps(
        {"weights": {"sha256": "a" * 64, "size": 1, "mtime_ns": 1, "network_sha256": "n" * 64}}))
    (tmp_path / "base.h5").write_bytes(b"not a checkpoint")
    assert weights_network_sha256(tmp_path / "base.h5") is None


# -- config_records: a run's seed and solver from the checkpoints it goes on from -------------------------------------

def _config(**changes):
    from types import SimpleNamespace
    fields = dict(base_lr=0.01, momentum=0.9, weight_decay=0.0005, gamma=1e-20, stepsize=1, max_iter=10, seed=None,
                  overwrite=False, resume=None, out=None)
    fields.update(changes)
    return SimpleNamespace(**fields)


# 0.01 stepped by gamma 1e-20 from iteration 1 of 10: 1e-42 at step 2, below float32's normal numbers: refused
REFUSED = dict(base_lr=0.01, momentum=0.9, weight_decay=0.0005, gamma=1e-20, stepsize=1, max_iter=10)


def _base(config, recorded_in=None):
    from types import SimpleNamespace
    return SimpleNamespace(meta={"config": config}, recorded_in=recorded_in)


def test_a_refused_schedule_is_taken_only_where_a_checkpoint_records_it_whole():
    from minitransfer import optim
    from minitransfer.config_records import ScheduleRefused, solver_of
    unrecorded = (None, {"config": {}})
    # the base recorded this very schedule (a grid's transfers of a base an earlier version trained): taken
    assert solver_of(_config(), _base(dict(REFUSED)), unrecorded) == optim.Solver(**REFUSED)
    # the run's own record has it (a resumption): taken (mutant: only the base's record asked)
    assert solver_of(_config(), _base({}), (None, {"config": dict(REFUSED)})) == optim.Solver(**REFUSED)
    # a base that recorded the same gamma but another max_iter did not train it: refused (mutant: any field alike)
    with pytest.raises(ScheduleRefused):
        solver_of(_config(), _base({**REFUSED, "max_iter": 5}), unrecorded)


def test_a_base_seed_that_is_no_whole_number_counts_as_none():
    # a seed recorded as text or as a boolean is none recorded: 0 (mutant: any truthy value taken)
    from minitransfer.config_records import base_seed
    assert base_seed(_base({"seed": "7"})) == 0 and base_seed(_base({"seed": True})) == 0
    assert base_seed(_base({"seed": 7})) == 7


def test_a_recorded_seed_out_of_range_or_of_a_run_replaced_is_not_kept():
    # the run this one continues recorded seed -1 (no seed train takes) or 5: None and 5; replaced (overwrite
    # without resume), none (mutants: the range check dropped; the replaced run's seed read all the same)
    from minitransfer.config_records import _recorded_seed
    assert _recorded_seed(_config(), _base({}, recorded_in=_base({"seed": -1}))) is None
    assert _recorded_seed(_config(), _base({}, recorded_in=_base({"seed": 5}))) == 5
    assert _recorded_seed(_config(overwrite=True), _base({}, recorded_in=_base({"seed": 5}))) is None


# -- resumed_logs: what a resumed run keeps of its logs ------------------------------------------------------------

def test_the_seconds_go_on_from_the_last_well_formed_training_row():
    # rows at 1.5 s and 2.5 s: 2.5; after them an evaluation's event with its own clock, a row at -3 s, at NaN and
    # one whose seconds are true are no training row's time: 2.5 still (mutants: read from the first row, events
    # read, the sign or NaN check dropped, the type check loosened)
    from minitransfer.resumed_logs import seconds_logged
    rows = ['{"iteration": 2, "loss": 1.0, "seconds": 1.5}', '{"iteration": 4, "loss": 0.9, "seconds": 2.5}']
    assert seconds_logged(rows) == 2.5
    for later in ('{"event": "eval", "iteration": 4, "top1": 0.5, "seconds": 9.0}',
                  '{"iteration": 6, "loss": 0.8, "seconds": -3}', '{"iteration": 6, "loss": 0.8, "seconds": NaN}',
                  '{"iteration": 6, "loss": 0.8, "seconds": true}'):
        assert seconds_logged(rows + [later]) == 2.5, later


HEADER = [(1, "iteration,top1,top5,loss")]


def _rows(*iterations, fault_at=()):
    return [(number + 2, {"iteration": done, "top1": 0.5, "top5": 0.9, "loss": 1.0},
             "out of order" if done in fault_at else None) for number, done in enumerate(iterations)]


def test_eval_rows_up_to_and_at_the_checkpoint_are_the_ones_judged():
    # evaluations at 2 and 4, checkpoint at 4, both rows there: none lacking (mutant: the row at the checkpoint's
    # own iteration not counted, which called its evaluation unlogged); only 4's row: the one at 4 to redo
    from minitransfer.resumed_logs import unlogged_evaluations
    assert unlogged_evaluations("eval.csv", 4, [2, 4], HEADER, _rows(2, 4)) == []
    assert unlogged_evaluations("eval.csv", 4, [2, 4], HEADER, _rows(2)) == [4]


@pytest.mark.parametrize("rows, why", [
    (_rows(2, 2, 4), "at iteration 2 that the run did not write"),            # a row repeated twice
    (_rows(2, 4, fault_at=(2,)), "at iteration 2 that the run did not write"),  # a row out of order
    (_rows(4), "lacks the evaluations at iteration 2, made before the checkpoint at 6")])  # an earlier one lost
def test_an_eval_csv_the_run_did_not_write_so_is_refused(rows, why):
    # (mutants: a repeat counted only from three rows; a row out of order let through; an earlier lost row let
    # through)
    from minitransfer.resumed_logs import RunLogError, unlogged_evaluations
    with pytest.raises(RunLogError, match=why):
        unlogged_evaluations("eval.csv", 6, [2, 4, 6], HEADER, rows)


def test_metrics_keep_records_up_to_the_checkpoint_and_events_beside_their_rows():
    # checkpoint at 4, evaluations kept at 2: a record at 4 is kept; an eval event at 4 not in eval.csv is not
    # (mutants: `<` for `<=`; the eval event's check dropped)
    from minitransfer.resumed_logs import metrics_kept
    assert metrics_kept('{"iteration": 4, "loss": 1.0}', 4, {2})
    assert metrics_kept('{"event": "eval", "iteration": 2}', 4, {2})
    assert not metrics_kept('{"event": "eval", "iteration": 4}', 4, {2})
    assert not metrics_kept('{"iteration": 5, "loss": 1.0}', 4, {2})


# -- lock_holder.read_holder: a lock file's record read back ---------------------------------------------------------

def _holder_of(tmp_path, data):
    import os

    from minitransfer.lock_holder import read_holder
    path = tmp_path / "lock"
    path.write_bytes(data)
    descriptor = os.open(path, os.O_RDONLY)
    try:
        return read_holder(descriptor)
    finally:
        os.close(descriptor)


PADDED = b"4242 node7".ljust(319)  # "PID HOST" padded to 320 bytes with its newline, as a SLURM task writes it


def test_a_slurm_line_is_read_only_whole_and_after_a_padded_first_line(tmp_path):
    # whole after the padded line: job 1240; without its newline (being written), or after a short first line (a
    # record written over another's): none (mutants: either check dropped)
    assert _holder_of(tmp_path, PADDED + b"\nSLURM_JOB_ID=1240\n").job == "1240"
    assert _holder_of(tmp_path, PADDED + b"\nSLURM_JOB_ID=1240").job is None
    assert _holder_of(tmp_path, b"4242 node7\nSLURM_JOB_ID=1240\n").job is None


def test_an_array_task_is_named_by_its_array_job_and_task_else_by_its_job(tmp_path):
    # task 5 of array 1234: "1234_5"; the array's id without the task's: the job's own id (mutants: the task
    # dropped from the condition; the two swapped)
    both = b"SLURM_JOB_ID=1240 SLURM_ARRAY_JOB_ID=1234 SLURM_ARRAY_TASK_ID=5 SLURMD_NODENAME=node7"
    assert _holder_of(tmp_path, PADDED + b"\n" + both + b"\n").job == "1234_5"
    assert _holder_of(tmp_path, PADDED + b"\nSLURM_JOB_ID=1240 SLURM_ARRAY_JOB_ID=1234\n").job == "1240"


def test_a_slurm_value_that_could_garble_a_message_is_dropped(tmp_path):
    # a job id with a ';' is none (mutant: every recorded name taken, whatever its value)
    holder = _holder_of(tmp_path, PADDED + b"\nSLURM_JOB_ID=12;rm SLURMD_NODENAME=node7\n")
    assert holder.job is None and holder.node == "node7"


def test_a_pid_in_other_digits_than_ascii_names_no_holder(tmp_path):
    # "４２" (full-width digits): str.isdigit() takes them, the record names no PID (mutant: the ASCII check dropped)
    assert _holder_of(tmp_path, "４２ node7\n".encode()) is None
    assert _holder_of(tmp_path, b"42 node7\n") == 42


# -- optim: the schedule's checks ------------------------------------------------------------------------------------
# 0.01 x 0.1^k is a float32 normal number (>= 2^-126 = 1.18e-38) up to k = 35 (1e-37) and not at k = 36 (1e-38):
# with stepsize 10, step 36 begins at iteration 360, so 360 iterations (0..359) stay above, 361 reach it.

STEPPED = dict(base_lr=0.01, gamma=0.1, stepsize=10)


def test_a_schedule_is_refused_from_the_first_iteration_whose_rate_float32_cannot_hold():
    # (mutants: the last step counted from max_iter, not max_iter - 1; the search flipped, stopped a step early, or
    # naming its lower end)
    from minitransfer import optim
    assert optim.run_solver(**STEPPED, max_iter=360).max_iter == 360
    with pytest.raises(optim.ScheduleError, match=r"from iteration 360 of 361 \(step 36: "):
        optim.run_solver(**STEPPED, max_iter=361)
    for max_iter in range(362, 3000, 7):  # wherever the search starts from
        with pytest.raises(optim.ScheduleError, match=rf"from iteration 360 of {max_iter} \(step 36: "):
            optim.run_solver(**STEPPED, max_iter=max_iter)


def test_a_rate_of_float32_s_smallest_normal_number_itself_is_taken():
    # 2^-126 is float32's smallest normal number, not below it (mutant: `>` for `>=`)
    from minitransfer import optim
    assert optim.run_solver(base_lr=2.0 ** -126, gamma=1.0, stepsize=1, max_iter=3).base_lr == 2.0 ** -126


def test_the_refusal_advises_only_what_its_caller_sets_and_only_while_it_says_so():
    # experiment sets stepsize and max_iter, not gamma: gamma quoted as a value, max_iter advised; after the block,
    # train's advice again (mutants: the gamma quoted as a field regardless; max_iter's advice dropped; the context
    # not reset)
    from minitransfer import optim
    with optim.schedule_set_by(("stepsize", "max_iter")):
        with pytest.raises(optim.ScheduleError) as inside:
            optim.run_solver(**STEPPED, max_iter=361)
    with pytest.raises(optim.ScheduleError) as after:
        optim.run_solver(**STEPPED, max_iter=361)
    assert str(inside.value).startswith("solver: gamma 0.1 steps") and str(inside.value).endswith(
        ": give a larger `stepsize`, or a smaller `max_iter`"), inside.value
    assert str(after.value).startswith("solver: `gamma` 0.1 steps") and str(after.value).endswith(
        ": give a larger `gamma` or `stepsize`, or a smaller `max_iter`"), after.value


def test_number_fault_refuses_a_large_negative_and_a_tiny_nonzero_value():
    # -1e39 is beyond float32 in size; 1e-40 is below its normal numbers though 0 itself is allowed (mutants: the
    # size's abs() dropped; `zero` taken for any value)
    from minitransfer.optim import number_fault
    assert "at most" in number_fault("x", -1e39)
    assert number_fault("x", 1e-40, zero=True) is not None and number_fault("x", 0.0, zero=True) is None


def test_the_last_rate_change_is_the_last_multiple_of_the_stepsize_below_max_iter():
    # stepsize 10, 100 iterations (0..99): the rate last changes at 90; with gamma 1 it never does: 0 (mutants:
    # max_iter itself counted; the gamma-1 case dropped)
    from minitransfer import optim
    assert optim.last_rate_change(optim.Solver(gamma=0.1, stepsize=10, max_iter=100)) == 90
    assert optim.last_rate_change(optim.Solver(gamma=1.0, stepsize=10, max_iter=100)) == 0


# -- figures_left_out: what a figure does not draw, said under it ---------------------------------------------------

def _scored(name, split="random", kind="transfer", evaluations=20, accuracy=0.5):
    import dataclasses
    return dataclasses.replace(network(name, kind, split, 0, accuracy, source="A", n=7), evaluations=evaluations)


def _note(text):
    return " ".join(text.split())


def test_a_network_unscored_either_way_is_counted_without_an_evaluation():
    # no evaluation made (0), or one whose accuracy is NaN: both undrawn, 2 networks, plural (mutants: either test
    # dropped; the plural asked only past 2)
    from minitransfer.figures_left_out import left_out_note
    runs = [_scored("random0/A7B", evaluations=0), _scored("random1/A7B", accuracy=math.nan),
            _scored("random2/A7B")]
    note = _note(left_out_note(runs, []))
    assert note == "Not drawn (each point is of the networks left): 2 networks without an evaluation (random0/A7B, " \
                   "random1/A7B)", note


def test_a_run_left_out_for_another_reason_than_divergence_is_said_in_no_figure():
    # one run left out unreadable, none diverged, every network scored: the note names it alone, and where it is
    # (mutants: the "in no figure" said only beside a divergence; empty groups listed)
    from minitransfer.figures_left_out import left_out_note
    note = _note(left_out_note([_scored("random0/A7B")], ["random1/A7B: unreadable: result.json is not JSON"]))
    assert note == "Not drawn (each point is of the networks left): 1 other run left out (random1/A7B): the runs " \
                   "left out are in no figure (results.md says why)", note


def test_each_figure_draws_its_own_runs():
    # figure2: the random split alone; figure3: the natural split, the runs on every class' random-frozen and base,
    # and the random split's AnB; figure S1: the runs on every class' reduced-data ones and base, not its
    # random-frozen (mutants: each selection widened)
    from minitransfer.figures_left_out import FIGURE_RUNS
    natural, everything = _scored("natural0/A7B", "natural").run, _scored("all0/random", "all", "random-frozen").run
    assert not FIGURE_RUNS["figure2"](natural)
    assert FIGURE_RUNS["figure3"](_scored("random0/A7B").run) and FIGURE_RUNS["figure3"](everything)
    assert not FIGURE_RUNS["figure_s1"](everything)


def test_every_figure_of_networks_gets_its_note_below_the_one_it_has():
    # a figure that draws no networks comes first: figure2 after it still gets its note, below its own (mutants:
    # the loop stopped at the first; the earlier note replaced)
    from minitransfer.figures_left_out import say_left_out
    figure_module = pytest.importorskip("matplotlib.figure")
    other, figure2 = figure_module.Figure(), figure_module.Figure()
    figure2.supxlabel("its own note")
    say_left_out({"curves": other, "figure2": figure2}, [_scored("random0/A7B", evaluations=0)], [])
    label = figure2.get_supxlabel()
    assert label.startswith("its own note\n") and "1 network without an evaluation (random0/A7B)" in _note(label)


# -- slurm_copied: submit.sh's judge of the copies whose file does not record their base's checkpoint ----------------

def test_slurm_copied_prints_the_copies_that_did_not_copy_their_base_and_refuses_a_run_not_a_copy(monkeypatch,
                                                                                                   capsys):
    # the plan: a base (no parent) and two copies; the grid's judge (faked here) says A7B copied its base's network
    # and A6B did not: A6B printed alone, exit 0; a base asked of: exit 2 naming it, nothing printed (mutants: a
    # planned run without a parent taken for a copy; the judge's answer inverted; the refusal's exit 0)
    from types import SimpleNamespace

    from minitransfer import slurm_copied
    plan = [{"name": "random0/baseB"}, {"name": "random0/A7B", "parent": "random0/baseA"},
            {"name": "random0/A6B", "parent": "random0/baseA"}]
    monkeypatch.setattr(slurm_copied, "planned_records", lambda out: plan)
    monkeypatch.setattr(slurm_copied.Run, "from_json", staticmethod(lambda record: SimpleNamespace(**record)))
    monkeypatch.setattr(slurm_copied, "trained_file", lambda out, run: f"{out}/{run.name}.h5")
    monkeypatch.setattr(slurm_copied, "copied_saved_base", lambda out, run, saved: run.name == "random0/A7B")
    assert slurm_copied.main(["grid", "random0/A7B", "random0/A6B"]) == 0
    assert capsys.readouterr().out == "random0/A6B\n"
    assert slurm_copied.main(["grid", "random0/A7B", "random0/baseB"]) == 2
    printed = capsys.readouterr()
    assert printed.out == "" and printed.err == "not copies in the plan of grid: random0/baseB\n"


# -- cli/_numbers: the words refusing a whole number not in digits ----------------------------------------------------

@pytest.mark.parametrize("typed, write", [("1e3", " (write 1000)"), ("5.0", " (write 5)"), ("1.5", ""),
                                          ("1e400", ""), ("0x10", " (write 16)")])
def test_a_whole_number_not_in_digits_is_told_the_digits_only_where_it_means_one(typed, write):
    # 1.5 means no whole number; 1e400 one beyond any float, none said (mutants: the integral check dropped, which
    # said "write 1"; the size check dropped, which said 401 digits)
    from minitransfer.cli._numbers import Whole
    said = Whole(1, 7).not_whole(typed, None)
    assert said == f"{typed!r} is not a whole number in digits 0-9{write}: give one in 1..7", said


def test_a_range_is_said_in_words_by_its_bounds():
    # (mutant: a range with both bounds said by its lower one alone)
    from minitransfer.cli._numbers import Whole
    assert (Whole(1, 7).within(), Whole(1).within(), Whole(None, 7).within(), Whole().within()) == \
        ("in 1..7", "1 or more", "7 or less", "")


# -- run_file_readers.reads_shared: each version of a file read once inside, nothing kept after ---------------------

@pytest.fixture
def opened(monkeypatch):
    """The paths run_file_readers opens, in order."""
    import builtins

    from minitransfer import run_file_readers
    paths = []

    def counted(path, *args, **kwargs):
        paths.append(str(path))
        return builtins.open(path, *args, **kwargs)

    monkeypatch.setattr(run_file_readers, "open", counted, raising=False)
    return paths


def test_a_block_inside_another_shares_its_reads(tmp_path, opened):
    # read in the outer block, then in an inner one: read once (mutant: the inner block starting a store of its own)
    from minitransfer.run_file_readers import file_bytes, reads_shared
    path = tmp_path / "result.json"
    path.write_text("{}")
    with reads_shared():
        assert file_bytes(path) == b"{}"
        with reads_shared():
            assert file_bytes(path) == b"{}"
    assert opened == [str(path)]


def test_a_file_replaced_or_rewritten_inside_the_block_is_read_anew(tmp_path, opened):
    # replaced whole (another inode, as train writes result.json), then rewritten in place with as many bytes (the
    # same inode and size, another time of change): each version read (mutants: the version left out of the key;
    # the time of change left out of the version)
    import os
    import time

    from minitransfer.run_file_readers import file_bytes, reads_shared
    path, other = tmp_path / "result.json", tmp_path / "new.json"
    path.write_text('{"a": 1}')
    with reads_shared():
        assert file_bytes(path) == b'{"a": 1}'
        other.write_text('{"a": 22}')
        os.replace(other, path)
        assert file_bytes(path) == b'{"a": 22}'
        replaced = os.stat(path).st_ctime_ns
        while os.stat(path).st_ctime_ns == replaced:  # a time of change the file system tells from the last (a
            time.sleep(0.01)  # sleep of 0.05 s was not that where it keeps whole seconds: ext4 of 128-byte inodes)
            with open(path, "r+b") as file:
                file.write(b'{"b"')
        assert file_bytes(path) == b'{"b": 22}'
    assert len(opened) == 3


def test_nothing_is_shared_once_the_block_ends(tmp_path, opened):
    # after the block, each read opens the file (mutant: the store not dropped at the block's end)
    from minitransfer.run_file_readers import file_bytes, reads_shared
    path = tmp_path / "result.json"
    path.write_text("{}")
    with reads_shared():
        file_bytes(path)
    file_bytes(path)
    file_bytes(path)
    assert len(opened) == 3


# -- lock_holder: a holder named ---------------------------------------------------------------------------------------

def test_a_record_of_this_machine_names_no_host_and_another_s_does(tmp_path):
    # (mutant: this machine's own name kept as another host's)
    import socket
    assert _holder_of(tmp_path, f"42 {socket.gethostname()}\n".encode()).host is None
    assert _holder_of(tmp_path, b"42 node-elsewhere\n").host == "node-elsewhere"


def test_this_process_s_record_under_slurm_is_read_back_with_its_job(tmp_path, monkeypatch):
    # (mutant: the first line padded to 320 bytes before its newline, which read_holder does not take as padded)
    import os

    from minitransfer.lock_holder import this_process_record
    for name in ("SLURM_ARRAY_JOB_ID", "SLURM_ARRAY_TASK_ID", "SLURMD_NODENAME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SLURM_JOB_ID", "1240")
    holder = _holder_of(tmp_path, this_process_record())
    assert (int(holder), holder.job) == (os.getpid(), "1240")


def test_a_slurm_holder_is_named_by_its_job_and_node_and_its_pid_only_on_this_machine():
    # on node node9 of host node7: by the node, no PID; on this machine: its PID; on another host without a node:
    # that host (mutants: the PID said always; the host preferred to the node)
    from minitransfer.lock_holder import Holder, holder_named, pid_named
    assert pid_named(Holder(42, host="node7", job="1234_5", node="node9")) == "SLURM job 1234_5 on node node9"
    assert pid_named(Holder(42, job="1240")) == "SLURM job 1240, PID 42"
    assert pid_named(Holder(42, host="node7", job="1240")) == "SLURM job 1240 on host node7"
    # one holder in the singular (mutant: the one-holder case never taken)
    assert holder_named(Holder(42)) == " (PID 42)" and holder_named([1, 2]) == " (PIDs 1, 2)"


def test_a_holder_of_this_pid_on_another_host_is_not_this_process():
    # (mutant: the host check dropped)
    import os

    from minitransfer.lock_holder import Holder, is_this_process
    assert is_this_process(Holder(os.getpid())) and not is_this_process(Holder(os.getpid(), host="node7"))


def test_the_command_of_a_holder_is_read_on_this_machine_alone(monkeypatch):
    # a process here running "python -m minitransfer train ..." and "minitransfer prepare folder ...": both named; the
    # same PID on another host is none (mutants: the host check dropped; prepare's subcommand dropped)
    import pathlib

    from minitransfer.lock_holder import Holder, command_of
    monkeypatch.setattr(pathlib.Path, "read_bytes", lambda self: b"python\0-m\0minitransfer\0train\0--out\0x\0")
    assert command_of(Holder(42)) == "minitransfer train" and command_of(Holder(42, host="node7")) is None
    monkeypatch.setattr(pathlib.Path, "read_bytes", lambda self: b"/usr/bin/minitransfer\0prepare\0folder\0src\0")
    assert command_of(Holder(42)) == "minitransfer prepare folder"
