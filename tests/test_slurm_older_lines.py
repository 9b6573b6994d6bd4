"""The grid emitted again with another --time (or partition, --sbatch-option), its tasks still queued: SLURM keeps
a queued job's options, so they run with the old #SBATCH lines, and submit.sh said only "not submitted again: N
queued". It now says which were queued with other lines than their scripts have, and how to queue them with the new
ones; emitted again as it was, it says nothing more. submitted.txt written before (three fields) still reads."""

import subprocess

from minitransfer import experiment as grid
from minitransfer import slurm
from test_slurm import OPTIONS, fake_slurm, fake_train_command, sbatch_calls  # noqa: F401 (fixture)

RUNS = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)  # baseA, baseB, A1B


def emit(tmp_path, **slurm_options):
    return slurm.emit_slurm(RUNS, tmp_path / "grid", tmp_path / "slurm", OPTIONS,
                            train_command=fake_train_command(tmp_path), **slurm_options)


def submit(script):
    done = subprocess.run(["bash", str(script)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


def queued(tmp_path, fake_slurm, **slurm_options):
    """The grid emitted with ``slurm_options`` and submitted, every task of it listed by squeue; its tasks."""
    submit(emit(tmp_path, **slurm_options))
    tasks = [line.split("\t")[0] for line in (tmp_path / "slurm" / "submitted.txt").read_text().splitlines()]
    (fake_slurm / "queue").write_text("".join(f"{task} None\n" for task in tasks))
    return tasks


def test_tasks_queued_before_the_grid_was_emitted_with_another_time_limit_are_said(tmp_path, fake_slurm):
    tasks = queued(tmp_path, fake_slurm, time_limit="1:00:00")
    output = submit(emit(tmp_path, time_limit="2:00:00"))
    assert len(sbatch_calls(fake_slurm)) == 2, output  # nothing submitted again
    assert "not submitted again: 3 runs queued or running from an earlier submission" in output
    assert (f"  3 of them were queued with other #SBATCH lines than their scripts have now (emitted again since, "
            f"with another --time, partition or --sbatch-option, or edited) and run with the old ones: to queue them "
            f"with the new ones, cancel them (scancel {' '.join(tasks)}), then rerun {tmp_path / 'slurm/submit.sh'}"
            in output), output


def test_tasks_queued_with_the_lines_their_scripts_still_have_are_not_said(tmp_path, fake_slurm):
    queued(tmp_path, fake_slurm, partition="gpu")
    output = submit(emit(tmp_path, partition="gpu"))
    assert "not submitted again: 3 runs queued" in output and "#SBATCH" not in output, output


def test_a_submitted_txt_of_three_fields_is_read_as_before(tmp_path, fake_slurm):
    tasks = queued(tmp_path, fake_slurm)
    listed = tmp_path / "slurm" / "submitted.txt"
    listed.write_text("".join("\t".join(line.split("\t")[:3]) + "\n" for line in listed.read_text().splitlines()))
    output = submit(emit(tmp_path, time_limit="2:00:00"))
    assert "not submitted again: 3 runs queued" in output and "#SBATCH" not in output, output
    assert [line.split("\t")[0] for line in listed.read_text().splitlines()] == tasks
