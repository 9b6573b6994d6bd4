"""Tasks queued earlier and held (``scontrol hold``: squeue's reason JobHeldUser; an administrator's hold:
JobHeldAdmin) start only once released. A rerun of submit.sh said only "not submitted again: N runs queued", and the
grid's dry run listed them "(PENDING)", as if they would start (seen on the real test cluster with ``scontrol hold``
of a base's task). Both now say they are held and how to release them. With stand-ins for SLURM's commands."""

from minitransfer import slurm_finished
from test_slurm import fake_slurm  # noqa: F401 (fixture)
from test_slurm_unavailable_nodes import RUNS, queued_with, run_submit  # RUNS: baseA, baseB, A1B


def queued_held(tmp_path, fake_slurm):
    """The grid submitted, its tasks then listed by squeue as held (baseA's by its user, baseB's by an
    administrator) and waiting for baseA (A1B); the script and the tasks."""
    return queued_with(tmp_path, fake_slurm, ["JobHeldUser", "JobHeldAdmin", "Dependency"])


def test_a_rerun_of_submit_says_which_queued_tasks_are_held_and_how_to_release_them(tmp_path, fake_slurm):
    script, tasks = queued_held(tmp_path, fake_slurm)
    for arguments in ((), ("--dry-run",)):
        output = run_submit(script, *arguments)
        assert "not submitted again: 3 runs queued or running from an earlier submission (squeue)\n" in output, output
        assert (f"  2 of them are held (squeue's reason: JobHeldUser): SLURM starts them only once released, with "
                f"nothing to submit again: scontrol release {tasks[0]} {tasks[1]} (JobHeldAdmin: held by the "
                f"cluster's administrators, who release it)\n") in output, output
    assert len((fake_slurm / "sbatch").read_text().splitlines()) == 2  # nothing submitted again, nothing cancelled
    assert not (fake_slurm / "scancel").exists()


def test_the_grids_dry_run_says_a_held_task_is_held(tmp_path, fake_slurm):
    _, tasks = queued_held(tmp_path, fake_slurm)
    note = slurm_finished.submitted_note(RUNS, tmp_path / "grid")
    assert (f"random0/baseA as task {tasks[0]} (PENDING, JobHeldUser), random0/baseB as task {tasks[1]} (PENDING, "
            f"JobHeldAdmin), random0/A1B as task {tasks[2]} (PENDING)") in note, note
    assert note.endswith(f"; the 2 tasks held start only once released: scontrol release {tasks[0]} {tasks[1]} "
                         "(JobHeldAdmin: by the cluster's administrators)"), note


def test_tasks_pending_for_other_reasons_are_not_said_held(tmp_path, fake_slurm):
    script, tasks = queued_held(tmp_path, fake_slurm)
    (fake_slurm / "queue").write_text(f"{tasks[0]} PENDING Priority\n{tasks[1]} RUNNING None\n"
                                      f"{tasks[2]} PENDING Dependency\n")
    assert "held" not in run_submit(script)
    assert "held" not in slurm_finished.submitted_note(RUNS, tmp_path / "grid")
