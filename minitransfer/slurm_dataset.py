"""``python -m minitransfer.slurm_dataset OUT``: the datasets of the grid folder OUT's plan checked as
``experiment --dry-run`` checks them before it trains (each base's configuration resolved as its train will
resolve it: :func:`minitransfer.grid_preflight.check_bases`, which opens the dataset and looks at every shard):
a missing or damaged prepared dataset, or one the grid's options cannot take, said in experiment's words
("error: bad data: ...") with its exit code (65 bad data, 2 refused, 74 unreadable); 0 where they pass.

``submit.sh`` (:func:`dataset_lines`) asks it, with ``--dry-run`` too, before it queues anything, where its tasks
train with minitransfer's own train (another train command reads the data its own way): before, a dataset
deleted, moved or damaged since the emission was found only as the tasks ran on the cluster (exit 65 in each
base's train.log), after queueing, and its dry run said all was well. A dataset moved for good is said with the way
on: the scripts emitted again with its new place as --data (the grid's runs resume; before, "fix it" only).
"""

import shlex
import sys

# The exit codes of a dataset refused (the command line's: usage, bad data, I/O): submit.sh refuses with them. Any
# other (a Python that cannot run minitransfer any more) leaves the datasets unchecked, said.
REFUSED = (2, 65, 74)
MODULE = "minitransfer.slurm_dataset"


def main(argv):
    if len(argv) != 1:
        print(f"usage: python -m {MODULE} OUT", file=sys.stderr)
        return 1
    from minitransfer import grid_preflight
    from minitransfer.cli._errors import run
    from minitransfer.experiment import Run
    from minitransfer.grid_plan import options_of
    from minitransfer.grid_plan_file import read_plan, records_of

    out = argv[0]
    plan = read_plan(out)
    if plan is None:  # submit.sh refused a folder without its plan before: nothing to check here
        return 0
    runs = [Run.from_json(record) for record in records_of(plan)]
    options = options_of(plan)
    with grid_preflight.plans_shared():
        run(lambda: grid_preflight.check_bases(runs, out, options))
    return 0


def dataset_lines(python_path):
    """Bash lines of ``submit.sh`` running this module by the Python that emitted the scripts (``python_path``: the
    folder holding the package, put first on ``PYTHONPATH``) on ``$out`` where a run is left to submit (not every
    one finished, or lost): a dataset refused ends ``submit.sh`` (its dry run too) with the error and its code,
    nothing submitted; a Python that cannot answer leaves it unchecked, said."""
    python = shlex.quote(sys.executable)
    return [
        "# the datasets, checked as experiment --dry-run checks them: a missing or damaged one fails every task",
        "to_train=no",
        'for run in ${base_runs[@]+"${base_runs[@]}"} ${transfer_runs[@]+"${transfer_runs[@]}"}; do',
        '  if ! finished "$run" && ! lost "$run"; then to_train=yes; break; fi',
        "done",
        'if [ "$to_train" = yes ]; then',
        "  checked=0",
        f'  said=$(PYTHONPATH={shlex.quote(str(python_path))}${{PYTHONPATH:+:$PYTHONPATH}} {python} -m {MODULE}'
        ' "$out" 2>&1) || checked=$?',
        '  case "$checked" in',
        "    0) ;;",
        f"    {' | '.join(map(str, REFUSED))})",
        '      echo "$said" >&2',
        '      echo "nothing submitted: the tasks\' train would stop on this as each starts; fix it (the dataset'
        ' as prepare wrote it, where the scripts name it; a dataset moved for good: emit the scripts again with its'
        ' new place as --data, the grid folder and other options as before, and its runs go on where they stopped),'
        ' then rerun $submit_sh" >&2',
        '      exit "$checked" ;;',
        f'    *) echo "note: the datasets were not checked ({python} -m {MODULE} failed, exit $checked)" ;;',
        "  esac",
        "fi",
    ]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
