"""A dry run of a grid whose folder another process works on (a second grid, which trains some of its runs now)
says that the time it gives on this grid's slots is for this grid training them all: the other process may take
its share, at a pace and on slots a dry run does not know. A lone `train` of a run (no other grid at work there)
ends with it, and is not said to. Before, the time of every run on this grid's slots was
said as the grid's, about twice too long with two grids on one folder."""

from test_grid_time_lone_train import another_grid_at_work
from test_review_60_grid import imagenet_sized  # noqa: F401 (a fixture)

from minitransfer import experiment, grid_cost, grid_status

SHARED = ", if this grid trains them all: another process trains 1 run of it now, and may take its share"


def test_the_time_on_this_grids_slots_says_another_process_may_take_its_share(imagenet_sized, tmp_path,  # noqa: F811
                                                                               monkeypatch):
    runs = experiment.plan_grid(layers=(4,), fine_tuned=False)
    options = {"data": str(imagenet_sized), "seed": 0}
    alone = grid_cost.plan_cost(runs, tmp_path / "grid", options, slots=(0, 1))
    assert not [line for line in alone if "another process" in line], alone
    real = grid_status.run_status
    monkeypatch.setattr(grid_status, "run_status", lambda out, run, states=None:
                        grid_status.RunStatus(grid_status.BEING_TRAINED, "being trained by PID 7") if run == runs[1]
                        else real(out, run, states))
    for slots, said in (((0, 1), "  on 2 GPUs at once: about "), ((None,), "  on the CPU, one run at a time: about ")):
        lines = grid_cost.plan_cost(runs, tmp_path / "grid", options, slots=slots)
        [line] = [line for line in lines if line.startswith(said)]
        assert "another process" not in line, lines  # a lone train holds it: it ends with its run, takes no share
        with another_grid_at_work(tmp_path / "grid"):
            lines = grid_cost.plan_cost(runs, tmp_path / "grid", options, slots=slots)
        [line] = [line for line in lines if line.startswith(said)]
        assert line.endswith(SHARED), lines
