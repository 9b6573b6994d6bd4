"""The lines that give each array task its run and train command (:func:`task_lines`: the ``case`` of
``bases.sh`` and ``transfers.sh``, :mod:`minitransfer.slurm_array`), and ``submit.sh``'s refusal of a script
whose task lines were edited since they were emitted (:func:`edited_tasks_lines`)."""

import shlex

from minitransfer import experiment as grid


def task_lines(runs, out, options, train_command):
    """The lines of an array script's ``case`` that give each task its run and train command: task ``i``
    (less its array's first) trains ``runs[i]`` with ``train_command`` and
    :func:`minitransfer.experiment.train_arguments` of ``options``; a run that copies a base names it
    (``base=``: said where its network is not there). ``submit.sh`` holds them too (:func:`edited_tasks_lines`)."""
    return [f"  {index}) run={shlex.quote(run.name)};{f' base={shlex.quote(run.parent)};' if run.parent else ''}"
            f" command=({shlex.join(train_command + grid.train_arguments(run, out, options))}) ;;"
            for index, run in enumerate(runs)]


def edited_tasks_lines(emitted):
    """Bash lines ending ``submit.sh`` (exit 2, before it queues or tests anything) where an array script it
    submits gives a task other lines than ``emitted`` (script name -> its :func:`task_lines`): a hand-edited
    train command (``--seed 1234``) would train a run otherwise than the plan in OUT records, and its report
    pool it with the grid's. The message names the script, the run and the first option that differs, and
    says to emit the scripts again. Only the lines of the ``case`` that picks each task's run are compared:
    ``#SBATCH`` lines (``--mem``, ``--account``) and the rest may be edited."""
    lines = ["# each task's run and train command as emitted: the plan in OUT records the runs with these options"]
    for name, emitted_lines in emitted.items():
        lines += [f"mapfile -t emitted_{name.split('.')[0]} <<'MINITRANSFER_TASKS'", *emitted_lines,
                  "MINITRANSFER_TASKS"]
    scripts = " ".join(emitted)
    return lines + [
        f"for script in {scripts}; do",
        '  declare -n emitted="emitted_${script%.sh}"',
        "  # the lines between the case that picks a task's run and its last arm, for a run of no task",
        "  mapfile -t found < <(sed -n '/^case \"\\$((10#\\$first /,/^  \\*) /p' \"$script\" | sed '1d;$d')",
        '  for ((i = 0; i < ${#emitted[@]} || i < ${#found[@]}; i++)); do',
        '    if [ "${emitted[i]-}" = "${found[i]-}" ]; then continue; fi',
        '    read -r -a words <<< "${emitted[i]-}"; read -r -a edited <<< "${found[i]-}"',
        '    option="" j=0 spacing=""',
        '    while [ "$j" -lt "${#words[@]}" ] && [ "${words[j]}" = "${edited[j]-}" ]; do',
        '      if [[ "${words[j]}" == --* ]]; then option="${words[j]} "; fi',
        "      j=$((j + 1))",
        "    done",
        '    if [[ "${words[j]-}" == --* ]]; then option=""; fi  # an option itself differs',
        '    if [ "${edited[*]-}" = "${words[*]-}" ]; then spacing="only its spacing differs"; fi',
        '    run=${emitted[i]-${found[i]}}; run=${run#*run=}; run=${run%%;*}',
        '    echo "nothing submitted: $scripts/$script was edited where it gives run $run its train command'
        ' (${spacing:-$option${edited[j]:-nothing} where the emitted one has $option${words[j]:-nothing}}): a run'
        " trained otherwise than the plan in $out records would be pooled with the grid's; emit the scripts again"
        " (minitransfer experiment --emit-slurm with the grid's options; SLURM options with --sbatch-option,"
        ' or by editing only the #SBATCH lines), then rerun $submit_sh" >&2',
        "    exit 2",
        "  done",
        "  unset -n emitted",
        "done",
    ]
