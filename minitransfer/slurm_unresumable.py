"""The runs ``submit.sh`` (:mod:`minitransfer.slurm_submit`) does not submit because their train can only refuse
them again: a checkpoint it cannot read (:data:`~minitransfer.grid_status.BAD_CHECKPOINT`, exit 65) or whose resume
its run folder refuses (:data:`~minitransfer.grid_status.NOT_RESUMABLE`), as a local grid's dry run says them
(:func:`minitransfer.grid_plan_text.first_step`). Before, submit.sh queued such a run again without a word, and its
task failed again the same way (exit 65), its transfers left waiting for good.

``python -m minitransfer.slurm_unresumable OUT RUN...`` prints one line per such RUN of OUT's plan: the run, a tab,
then what to do; submit.sh asks it of the runs it would submit that have a checkpoint (:func:`unresumable_lines`).
Where it cannot answer, they are submitted as before, said.
"""

import shlex
import sys

from minitransfer import experiment as grid
from minitransfer.experiment import Run
from minitransfer.grid_plan_file import planned_records
from minitransfer.grid_plan_text import first_step
from minitransfer.grid_status import BAD_CHECKPOINT, NOT_RESUMABLE, TRIED, run_status

UNRESUMABLE_MODULE = "minitransfer.slurm_unresumable"


def refused_words(out, run):
    """What to do before a train takes ``run`` (a :class:`~minitransfer.experiment.Run` of grid folder ``out``)
    that refuses it whatever the rerun, in the dry run's words; None where its train may take it."""
    status = run_status(out, run)
    saved = grid.run_dir(out, run) / grid.CHECKPOINT_FILE
    if status.kind == BAD_CHECKPOINT:
        return (f"{saved} cannot be read as a checkpoint ({BAD_CHECKPOINT}): {TRIED[BAD_CHECKPOINT]}, exit 65: "
                f"{first_step(out, run, BAD_CHECKPOINT)} to train it from the start")
    if status.kind == NOT_RESUMABLE:
        return f"{saved}: {TRIED[NOT_RESUMABLE]} ({status.why})"
    return None


def answered(argv, module, answer):
    """The main of ``python -m MODULE OUT RUN...`` that submit.sh asks: ``answer(OUT, run)`` printed for each RUN of
    OUT's plan (a :class:`~minitransfer.experiment.Run`) where it is not None (a RUN it does not plan: none)."""
    if not argv:
        print(f"usage: python -m {module} OUT RUN...", file=sys.stderr)
        return 2
    out, names = argv[0], argv[1:]
    planned = {record["name"]: record for record in planned_records(out)}
    for name in names:
        said = answer(out, Run.from_json(planned[name])) if name in planned else None
        if said is not None:
            print(said)
    return 0


def python_run(module, python_path):
    """The bash words running ``python -m MODULE`` by the Python that emitted the scripts, the folder
    ``python_path`` (the one holding this package) first on its PYTHONPATH, as submit.sh asks its modules."""
    python_path, python = shlex.quote(str(python_path)), shlex.quote(sys.executable)
    return f"PYTHONPATH={python_path}${{PYTHONPATH:+:$PYTHONPATH}} {python} -m {module}"


def refused_line(out, run):
    """The run, a tab, then :func:`refused_words` in one line, whatever the reason holds; None where there are none."""
    words = refused_words(out, run)
    return None if words is None else f"{run.name}\t{' '.join(words.split())}"


def main(argv):
    return answered(argv, UNRESUMABLE_MODULE, refused_line)


def unresumable_lines(checked_by):
    """Bash lines of ``submit.sh`` filling ``$unresumable`` (run -> what to do) with the runs neither finished nor
    lost that have a checkpoint their train refuses (:func:`refused_words`, asked of the Python that emitted the
    scripts, ``checked_by``, the folder holding this package, first on its PYTHONPATH), said on stderr;
    ``$unresumable_runs`` lists them. Where ``checked_by`` is None (another program's train, whose checkpoints are
    its own) they are only declared, empty: none is asked (its lines were written all the same, dead: a loop over
    the runs, then a call to a Python never run, on a PYTHONPATH of "None").
    submit.sh submits none of them, nor the transfers of such a base (their tasks would wait for it for good),
    submits the rest and ends with exit 65 (a --dry-run says it and exits 0), as it does of a lost run
    (:func:`minitransfer.slurm_finished.lost_results_lines`): bad data of one run, which the others go on without."""
    checkpoint, python = shlex.quote(grid.CHECKPOINT_FILE), shlex.quote(sys.executable)
    declared = [
        "# a run whose train refuses its checkpoint (exit 65) fails again the same way: not submitted, said",
        "declare -A unresumable=() unresumable_of=()  # run -> what to do; transfer -> its base left out",
        "unresumable_runs=()",
    ]
    if checked_by is None:
        return [*declared[1:], "# (another program's train: its checkpoints are its own, not judged here)"]
    return [
        *declared,
        "resumed=()",
        'for run in ${base_runs[@]+"${base_runs[@]}"} ${transfer_runs[@]+"${transfer_runs[@]}"}; do',
        f'  if ! finished "$run" && ! lost "$run" && [ -e "$out/$run.run/"{checkpoint} ]; then resumed+=("$run"); fi',
        "done",
        'if [ "${#resumed[@]}" -gt 0 ]; then',
        f'  if said=$({python_run(UNRESUMABLE_MODULE, checked_by)} "$out" "${{resumed[@]}}" 2>/dev/null); then',
        "    while IFS=$'\\t' read -r run words; do",
        '      if [ -n "$run" ]; then unresumable[$run]=$words; unresumable_runs+=("$run"); fi',
        '    done <<< "$said"',
        "  else",
        f'    echo "note: whether the checkpoints of the runs to resume can be read was not checked ({python} -m'
        f' {UNRESUMABLE_MODULE} failed): a damaged one fails its task again (exit 65)" >&2',
        "  fi",
        "fi",
        'if [ "${#unresumable_runs[@]}" -gt 0 ]; then',
        '  echo "not submitted: $(noun "${#unresumable_runs[@]}" "1 run" "${#unresumable_runs[@]} runs") whose train'
        ' refuses its checkpoint, so that $(noun "${#unresumable_runs[@]}" "its task" "their tasks") would fail again'
        ' the same way (as experiment --dry-run says):" >&2',
        '  for run in "${unresumable_runs[@]}"; do echo "  run $run: ${unresumable[$run]}" >&2; done',
        '  for i in "${!base_runs[@]}"; do',
        '    if [ -z "${unresumable[${base_runs[i]}]+bad}" ]; then continue; fi',
        "    waiting=()",
        "    for ((j = transfer_first[i]; j < transfer_first[i + 1]; j++)); do",
        '      if ! finished "${transfer_runs[j]}" && ! lost "${transfer_runs[j]}"; then',
        '        unresumable_of[${transfer_runs[j]}]=${base_runs[i]}; waiting+=("${transfer_runs[j]}")',
        "      fi",
        "    done",
        '    if [ "${#waiting[@]}" -gt 0 ]; then',
        '      printf -v names "%s, " "${waiting[@]}"',
        '      echo "  nor $(noun "${#waiting[@]}" "its transfer" "its ${#waiting[@]} transfers") ${names%, }, which'
        ' $(noun "${#waiting[@]}" copies copy) ${base_runs[i]}: $(noun "${#waiting[@]}" it they) would wait for it'
        ' for good" >&2',
        "    fi",
        "  done",
        '  echo "then rerun $submit_sh" >&2',
        "fi",
    ]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
