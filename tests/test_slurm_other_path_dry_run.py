"""A grid's dry run given its folder by another path than the one its SLURM scripts were emitted with (seen on the
real test cluster with a bind mount: a login node's and a node's paths to one folder): its note named none of the
tasks submit.sh had queued, recorded by the emitted path. With stand-ins for SLURM's commands; about 1 s."""

from minitransfer import slurm_finished
from test_slurm import fake_slurm  # noqa: F401 (fixture)
from test_slurm_unavailable_nodes import RUNS, queued_with


def test_the_grid_given_by_another_path_finds_its_tasks(tmp_path, fake_slurm):
    """The grid's folder named by another path than the one its scripts were emitted with (a link here; a bind
    mount on the real test cluster: a login node's and a node's paths): its dry run said nothing of the tasks
    submit.sh had queued, recorded by the emitted path."""
    _, tasks = queued_with(tmp_path, fake_slurm, ["Priority", "Priority", "Dependency"])
    (tmp_path / "view").symlink_to(tmp_path, target_is_directory=True)
    note = slurm_finished.submitted_note(RUNS, tmp_path / "view" / "grid")
    assert note.startswith(f"3 of the runs to train were submitted to SLURM ({tmp_path / 'slurm' / 'submitted.txt'}: "
                           f"random0/baseA as task {tasks[0]} (PENDING), random0/baseB as task {tasks[1]} (PENDING), "
                           f"random0/A1B as task {tasks[2]} (PENDING)): squeue lists them"), note
