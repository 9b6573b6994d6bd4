"""The runs ``submit.sh`` (:mod:`minitransfer.slurm_submit`) submits again whose last try failed: their train.log's
error line (:func:`minitransfer.grid_status.error_line`: a bad shard, an I/O error, SLURM's kill for memory), said
with the submission. Before, a rerun after a task failed on bad data (a corrupt shard of the source dataset, exit 65)
said "bases: job 7, 1 of 2 runs" alone, and the run failed again the same way where the file it named had not been
fixed, its transfers left waiting (DependencyNeverSatisfied) once more: seen on the test cluster.

``python -m minitransfer.slurm_failed_before OUT RUN...`` prints one line per such RUN of OUT's plan: the run, a tab,
when its train.log was last written, a tab, the error line; submit.sh asks it of the runs it submitted (or, with
``--dry-run``, would submit) that have a train.log (:func:`failed_before_lines`). Where it cannot answer, nothing is
said, as before.
"""

import pathlib
import sys
import time

from minitransfer import experiment as grid
from minitransfer.grid_status import error_line
from minitransfer.progress import dated
from minitransfer.slurm_unresumable import answered, python_run

FAILED_BEFORE_MODULE = "minitransfer.slurm_failed_before"


def failed_line(out, run):
    """``run`` (a :class:`~minitransfer.experiment.Run` of grid folder ``out``), when its train.log was last
    written and the error its last try ended on, tab-separated, in one line; None where it did not end on one."""
    folder = grid.run_dir(out, run)
    error = error_line(folder)
    try:
        when = dated(time.localtime((folder / grid.LOG_FILE).stat().st_mtime)) if error else None
    except OSError:  # gone since it was read
        return None
    return None if when is None else f"{run.name}\t{when}\t{' '.join(error.split())}"


def main(argv):
    return answered(argv, FAILED_BEFORE_MODULE, failed_line)


def failed_before_lines():
    """Bash lines of ``submit.sh`` filling ``failed_before`` (a run -> "(when): error") with the runs not finished
    whose last try failed (:func:`main`, asked once, of those with a train.log), read before anything is submitted:
    a task that starts at once writes its train command to the train.log, after the error."""
    python_path = pathlib.Path(__file__).resolve().parent.parent
    log = grid.LOG_FILE
    return [
        "# the runs whose last try failed, as each is submitted again said with its error (unless that was fixed",
        "# since, it fails so again); read before any task of this submission writes to their train.log",
        "declare -A failed_before=()",
        "tried=()",
        'for run in ${base_runs[@]+"${base_runs[@]}"} ${transfer_runs[@]+"${transfer_runs[@]}"}; do',
        f'  if [ -s "$out/$run.run/{log}" ] && ! finished "$run"; then tried+=("$run"); fi',
        "done",
        'if [ "${#tried[@]}" -gt 0 ] &&',
        f'   said=$({python_run(FAILED_BEFORE_MODULE, python_path)} "$out" "${{tried[@]}}" 2> /dev/null); then',
        "  while IFS=$'\\t' read -r run when error; do",
        '    if [ -n "$run" ]; then failed_before[$run]="($when): $error"; fi',
        '  done <<< "$said"',
        "fi",
    ]


def failed_again_lines():
    """Bash lines of ``submit.sh``'s ``submit_array``, after it said an array submitted, saying each of its runs in
    ``$again`` (those of ``failed_before``): that its last try failed, and fails the same way unless what its error
    names was fixed since (a dry run: would be submitted again)."""
    return [
        '  for run in ${again[@]+"${again[@]}"}; do',
        '    echo "note: $run $([ "$dry_run" = yes ] && echo would be || echo was) submitted again, though its last try'
        f' failed ${{failed_before[$run]}} (see $out/$run.run/{grid.LOG_FILE}): unless what it names was fixed since,'
        ' it fails the same way" >&2',
        "  done",
    ]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
