"""What :class:`minitransfer.grid_retirement.GridRetirement` tells the grid to do with the runs that fail
on its GPUs, without a grid: it counts nothing and logs nothing, its :class:`Verdict` says what to count
as failed, what to put back in the queue and what to log (the grid applies it, every run before a line;
tests/test_grid_retired_gpus.py runs whole grids)."""

import ast
import inspect
import textwrap

from minitransfer import experiment as grid
from minitransfer.grid_outcome import Failure
from minitransfer.grid_retirement import GridRetirement, Verdict

A, B, C = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False, random_seeds=(0,))


def failure(tmp_path, run, code=1):
    return Failure(code, tmp_path / f"{run.name}.run" / "train.log")


def test_a_gpu_retired_puts_its_runs_back_and_one_failing_elsewhere_too_returns_it_to_service(tmp_path, monkeypatch):
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    retired = {}
    retirement = GridRetirement(("0", "1"), retired)
    fail_a, fail_b = failure(tmp_path, A), failure(tmp_path, B)
    assert retirement.failed("1", A, fail_a, stopping=False) == Verdict()  # held: GPU 1 may be at fault
    verdict = retirement.failed("1", B, fail_b, stopping=False)
    assert verdict == Verdict(put_back=(A, B), lines=(
        f"GPU 1 retired: {A.name}, {B.name} failed on it one after the other (see {fail_a.log}, {fail_b.log}); "
        f"{A.name}, {B.name} go back in the queue for GPU 0",))
    assert retired == {"GPU 1": [fail_a.log, fail_b.log]} and not retirement.gpus.takes_runs("1")
    assert retirement.slots_taking_runs() == 1

    again = failure(tmp_path, A)
    assert retirement.failed("0", A, again, stopping=False) == Verdict(failed=((A, again),), lines=(
        f"GPU 1 back in service: {A.name}, which failed on it, failed on GPU 0 too: the failures that retired "
        "GPU 1 were more likely the runs' own than its",))
    assert retired == {} and retirement.gpus.takes_runs("1") and retirement.slots_taking_runs() == 2

    assert retirement.fail_held([B, C], stopping=False) == ([B, C], [])  # B may still train on a GPU left
    assert retirement.fail_held([B, C], stopping=True) == ([C], [(B, fail_b)])  # tried again, never started


def test_a_stops_failures_and_the_cpus_are_the_runs_own_and_a_finished_run_frees_those_held(tmp_path):
    retirement = GridRetirement((None, "0", "1"), {})
    stopped, on_cpu, held = failure(tmp_path, A), failure(tmp_path, B), failure(tmp_path, C)
    assert retirement.failed("0", A, stopped, stopping=True) == Verdict(failed=((A, stopped),))
    assert retirement.failed(None, B, on_cpu, stopping=False) == Verdict(failed=((B, on_cpu),))
    assert retirement.failed("0", C, held, stopping=False) == Verdict()
    assert retirement.gpus.finished("1") == [] and retirement.gpus.finished("0") == [(C, held)]
    assert retirement.fail_held([], stopping=True) == ([], [])  # given back once only


def test_the_grid_asks_the_gpus_retirement_itself():
    """GridRetirement says what becomes of the runs; which GPUs take runs, whether all are retired and
    what a run finished frees, the grid asks its ``gpus`` (a GpuRetirement) itself: no method of
    GridRetirement only passes a call on to it."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(GridRetirement)))
    methods = [each for each in tree.body[0].body if isinstance(each, ast.FunctionDef)]
    forwarding = [method.name for method in methods  # its docstring aside, one line: return self.gpus.NAME(...)
                  if [type(each) for each in method.body if not isinstance(each, ast.Expr)] == [ast.Return]
                  and isinstance(method.body[-1].value, ast.Call)
                  and ast.unparse(method.body[-1].value.func) == f"self.gpus.{method.name}"]
    assert forwarding == []
