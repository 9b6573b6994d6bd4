"""``emit_slurm`` given the :class:`~minitransfer.grid_status.RunStates` of the caller's checks of the grid folder
(``states``: :class:`minitransfer.grid_check.PlannedConfigs`'s) reads no result.json again for its notes of the
runs it will not submit (:func:`minitransfer.slurm_finished.lost_notes`): before, each was read by the checks, then
again by the emission (and by the cost lines after it)."""

import collections

from test_slurm import OPTIONS, fake_train_command, finish

from minitransfer import experiment as grid
from minitransfer import grid_check, grid_status, slurm


def counted_reads(monkeypatch):
    reads = collections.Counter()
    read = grid_status.read_result

    def counting(path, *args, **kwargs):
        reads[str(path)] += 1
        return read(path, *args, **kwargs)

    monkeypatch.setattr(grid_status, "read_result", counting)
    return reads


def finished_grid(tmp_path, monkeypatch):
    """(runs, out, reads): a small grid, every run finished in ``out``, and the reads of result.json counted
    from now on (:func:`counted_reads`)."""
    runs = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)
    out = tmp_path / "grid"
    for run in runs:
        finish(out, run.name)
    return runs, out, counted_reads(monkeypatch)


def test_emit_slurm_reads_each_result_once_with_the_states_of_the_checks(tmp_path, monkeypatch):
    runs, out, reads = finished_grid(tmp_path, monkeypatch)
    plans = grid_check.PlannedConfigs()
    for run in runs:  # as the checks of the folder read them
        grid_status.unreadable_result(out, run, plans.states)
    assert set(reads.values()) == {1} and len(reads) == len(runs)
    notes = []
    slurm.emit_slurm(runs, out, tmp_path / "slurm", OPTIONS, train_command=fake_train_command(tmp_path),
                     progress=notes.append, states=plans.states)
    assert set(reads.values()) == {1}, reads
    assert not [note for note in notes if "not submitted" in note]


def test_emit_slurm_without_states_reads_them_itself(tmp_path, monkeypatch):
    runs, out, reads = finished_grid(tmp_path, monkeypatch)
    slurm.emit_slurm(runs, out, tmp_path / "slurm", OPTIONS, train_command=fake_train_command(tmp_path),
                     progress=lambda note: None)
    assert set(reads.values()) == {1} and len(reads) == len(runs)
