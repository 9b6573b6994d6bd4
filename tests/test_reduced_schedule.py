"""A reduced-data run's default schedule (``--per-class``): its iterations are the paper's 200/450 of
the preset's, and so are its evaluation and checkpoint intervals. They used to stay the preset's, so
that micro's reduced-data runs evaluated 9 times (267 iterations every 30) and mini's 6 (133 every
25): fewer than the 10 best whose mean is the paper's accuracy, warned of and scored on the mean of
them all, unlike the full runs. An --eval-every given is kept, and a run trained before resumes."""

import pytest
from interrupting import interrupted_after

from minitransfer import checkpoint as checkpoints
from minitransfer import config as configs
from minitransfer import grid_caveats, grid_preflight
from minitransfer import train as training
from minitransfer.experiment import Run
from minitransfer.rundir import BEST_EVALUATIONS

PRESETS = [("micro", "micro_data"), ("mini", "synthetic_8")]


def _resolved(data, preset, **fields):
    return configs.resolve(configs.TrainConfig(data=data, preset=preset, split="all", device="cpu", quiet=True,
                                               **fields), checksums=False).config


def _evaluations(c):
    """Counted iteration by iteration, as training evaluates."""
    return sum(configs.evaluates_after(c, done) for done in range(1, c.max_iter + 1))


def _warnings(data, preset, **options):
    reduced = Run("all/reduced-0003", "reduced", "all", 0, per_class=3)
    return grid_caveats.few_evaluations([reduced], "grid", dict(options, data=data, preset=preset),
                                        grid_preflight.resolved_plan)


@pytest.mark.parametrize("preset, dataset", PRESETS, ids=[p for p, _ in PRESETS])
def test_a_reduced_data_run_evaluates_more_than_the_best_ten_by_default(preset, dataset, request):
    data = request.getfixturevalue(dataset)
    full, reduced = _resolved(data, preset), _resolved(data, preset, per_class=3)
    assert reduced.max_iter < full.max_iter and _evaluations(full) > BEST_EVALUATIONS  # the premise
    assert _evaluations(reduced) > BEST_EVALUATIONS
    assert _warnings(data, preset) == []
    # a checkpoint as often in the run as the full run's, none later than its end
    assert reduced.checkpoint_every <= reduced.max_iter
    assert reduced.max_iter // reduced.checkpoint_every == full.max_iter // full.checkpoint_every


@pytest.mark.parametrize("preset, dataset", PRESETS, ids=[p for p, _ in PRESETS])
def test_an_eval_every_given_is_kept(preset, dataset, request):
    data = request.getfixturevalue(dataset)
    every = _resolved(data, preset).eval_every  # the full run's interval: too few evaluations of the reduced run
    reduced = _resolved(data, preset, per_class=3, eval_every=every, checkpoint_every=7)
    assert (reduced.eval_every, reduced.checkpoint_every) == (every, 7)
    assert _evaluations(reduced) <= BEST_EVALUATIONS
    [warning] = _warnings(data, preset, eval_every=every)
    assert f"evaluated every {every} and at the end: {_evaluations(reduced)} evaluations" in warning


def test_a_reduced_data_run_trained_with_the_former_defaults_resumes_by_its_folder(micro_data, tmp_path):
    """Its record holds the intervals it trained with (micro's former 30 and 300), which resumption takes."""
    trained = {"data": micro_data, "per_class": 3, "split": "all", "max_iter": 6, "batch_size": 8, "eval_every": 30,
               "checkpoint_every": 300, "device": "cpu", "quiet": True}
    straight = training.train(training.TrainConfig(out=str(tmp_path / "straight" / "r.h5"), **trained))
    interrupted_after(training.TrainConfig(out=str(tmp_path / "r.h5"), **{**trained, "checkpoint_every": 2}), 3)
    training.train(training.TrainConfig(resume=str(tmp_path / "r.run"), device="cpu", quiet=True))
    resumed = checkpoints.load(tmp_path / "r.h5")
    assert resumed.meta["config"]["eval_every"] == 30 and resumed.iteration == 6
    for name, (w, b) in checkpoints.load(straight.out).weights.items():
        assert (resumed.weights[name][0] == w).all() and (resumed.weights[name][1] == b).all(), name


def test_a_max_iter_given_keeps_the_full_runs_intervals(micro_data):
    """A schedule of the researcher's own: a reduced-data run of --max-iter 50 evaluates and checkpoints
    as the full runs of --max-iter 50 beside it (one schedule of the grid, not two)."""
    full = _resolved(micro_data, "micro", max_iter=50)
    reduced = _resolved(micro_data, "micro", max_iter=50, per_class=3)
    assert (reduced.eval_every, reduced.checkpoint_every) == (full.eval_every, full.checkpoint_every)


def test_a_run_of_a_former_default_resumed_as_auto_is_told_the_value_that_continues_it(micro_data, tmp_path):
    """`--resume auto` without --eval-every resolves today's default (13 for a reduced-data run), not the 30
    the run recorded: refused, as any change of the evaluations is, and told what continues the run (the
    field given as recorded), which then does."""
    trained = {"data": micro_data, "per_class": 3, "split": "all", "batch_size": 8, "device": "cpu", "quiet": True,
               "out": str(tmp_path / "r.h5")}
    interrupted_after(training.TrainConfig(**trained, eval_every=30, checkpoint_every=2), 2)
    with pytest.raises(configs.ConfigError) as refused:
        training.train(training.TrainConfig(**trained, resume="auto"))
    assert "`eval_every` 30 -> 13" in str(refused.value), refused.value
    assert "to continue the run as it was trained, give `eval_every=30`" in str(refused.value), refused.value
    interrupted_after(training.TrainConfig(**trained, resume="auto", eval_every=30), 3)  # as told: it goes on
    assert checkpoints.load(tmp_path / "r.run" / "checkpoint.h5").iteration == 3


def test_a_change_given_is_not_told_to_be_undone(micro_data, tmp_path):
    """A difference the user typed (another --batch-size) is theirs: only starting over is offered."""
    trained = {"data": micro_data, "per_class": 3, "split": "all", "device": "cpu", "quiet": True,
               "out": str(tmp_path / "r.h5"), "checkpoint_every": 1}
    interrupted_after(training.TrainConfig(**trained, batch_size=8), 1)
    with pytest.raises(configs.ConfigError) as refused:
        training.train(training.TrainConfig(**trained, batch_size=4, resume="auto"))
    assert "`batch_size` 8 -> 4" in str(refused.value) and "as it was trained" not in str(refused.value)
