"""The finished runs whose result.json and checkpoint are both gone, their network there at its last iteration, which
``submit.sh`` (:mod:`minitransfer.slurm_submit`) counts lost as a local grid does
(:func:`minitransfer.grid_status.missing_result`: :data:`~minitransfer.grid_status.RESULT_LOST`, its train refusing
it with exit 65 and keeping the network), not as weights without a checkpoint. Bash cannot read the iteration the
weights file records: before, submit.sh refused such a run with exit 2, advising to delete its finished network (and
the files of the transfers that copied it), while the emission said it was not submitted, to keep it.

``python -m minitransfer.slurm_missing OUT RUN...`` prints each such RUN of OUT's plan, one name a line; submit.sh
asks it once of the runs whose weights file is there without a result.json or checkpoint
(:func:`missing_results_lines`). Where it cannot answer, they are taken as weights without a checkpoint, as before,
said.
"""

import pathlib
import shlex
import sys

from minitransfer import experiment as grid
from minitransfer.grid_status import missing_result
from minitransfer.rundir import RESULT_FILE
from minitransfer.slurm_unresumable import answered, python_run

MISSING_MODULE = "minitransfer.slurm_missing"


def main(argv):
    return answered(argv, MISSING_MODULE, lambda out, run: None if missing_result(out, run) is None else run.name)


def missing_results_lines():
    """Bash lines of ``submit.sh`` filling ``$missing_results`` (declared by
    :func:`~minitransfer.slurm_finished.lost_function_lines`, whose ``lost`` counts them) with the runs whose weights
    file is there without a result.json or checkpoint that hold their finished network (:func:`main`), asked of the
    Python that emitted the scripts (this package's folder first on its PYTHONPATH, whatever the tasks' train
    command: the emission says such a run lost whatever it is), once per submission, before anything asks ``lost``.
    Where it fails they stay out, said: weights without a checkpoint
    (:func:`~minitransfer.slurm_submit_checks.weights_without_checkpoint_lines`), as before."""
    checkpoint, result = shlex.quote(grid.CHECKPOINT_FILE), shlex.quote(RESULT_FILE)
    python, python_path = shlex.quote(sys.executable), pathlib.Path(__file__).resolve().parent.parent
    return [
        f"# weights without a {RESULT_FILE} or checkpoint: lost where they are the finished network (Python tells)",
        "alone=()",
        'for run in ${base_runs[@]+"${base_runs[@]}"} ${transfer_runs[@]+"${transfer_runs[@]}"}; do',
        f'  if [ -e "$out/$run.h5" ] && [ ! -e "$out/$run.run/"{result} ] && [ ! -e "$out/$run.run/"{checkpoint} ]',
        "  then",
        '    alone+=("$run")',
        "  fi",
        "done",
        'if [ "${#alone[@]}" -gt 0 ]; then',
        f'  if said=$({python_run(MISSING_MODULE, python_path)} "$out" "${{alone[@]}}" 2>/dev/null); then',
        '    while IFS= read -r run; do if [ -n "$run" ]; then missing_results[$run]=yes; fi; done <<< "$said"',
        "  else",
        f'    echo "note: whether the weights without a {RESULT_FILE} or checkpoint hold their finished network was not'
        f' checked ({python} -m {MISSING_MODULE} failed): taken as weights without a checkpoint" >&2',
        "  fi",
        "fi",
    ]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
