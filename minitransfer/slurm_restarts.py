"""What an array task of :mod:`minitransfer.slurm_array` says of a restart: that its previous start ended without
a word from it (its node lost, the task killed, or requeued from outside: :func:`unsaid_end_lines`), and what this
start does with its run (:func:`how_it_goes_lines`, said too when another process releases the run it waited for).
"""

import shlex

from minitransfer import experiment as grid
from minitransfer.grid_status import WEIGHTS_ALONE


def unsaid_end_lines(stage):
    """Bash lines saying, on a restart (``SLURM_RESTART_COUNT`` over 0), that the task's previous start
    ended without a word from it (its node lost, or the task killed: SLURM requeued it, the log going
    from "restart 0" to "restart 1" with nothing between, seen on the test cluster with slurmd and the
    training killed -9), and whether this one resumes the run from its checkpoint or starts it over.
    Told by a mark in the logs folder (``$attempt``) each start leaves until it knows how its training
    ended (removed before it says so: a requeue of its own job, ``scontrol requeue``, ends the script).
    A start requeued from outside (``scontrol requeue`` by an administrator, or a preemption with
    PreemptMode=REQUEUE) leaves the mark too (its script killed after KillWait, seen on the test cluster), and
    SLURM gives the restart no variable telling it from a node lost: slurmstepd's line in the task's output,
    "``*** JOB <id> ON <node> CANCELLED AT <time> DUE TO JOB REQUEUE ***``" (``DUE TO PREEMPTION``; ``DUE TO
    NODE FAILURE`` for a node set DOWN), written before it signals the job and kept (a requeued job's output is
    appended to), tells it: such a restart says it was requeued from outside, or that its node failed (it said "ended
    without a word from it" of a node set DOWN mid-training on the test cluster, slurmstepd's line just above)."""
    return [
        "# Each start leaves this mark until it knows how its training ended: one found on a restart",
        "# is of a start that ended without a word (its node lost, or the task killed)",
        f'attempt="$scripts/logs/.{stage}-${{SLURM_ARRAY_JOB_ID}}_$SLURM_ARRAY_TASK_ID.running"',
        'if [ "${SLURM_RESTART_COUNT:-0}" -gt 0 ] && [ -e "$attempt" ]; then',
        *how_it_goes_lines("finds the run finished", "starts the run over: it has no checkpoint"),
        '  case "$(ended_by $((SLURM_RESTART_COUNT - 1)))" in  # how SLURM ended the previous start',

        '    *" DUE TO JOB REQUEUE ***" | *" DUE TO PREEMPTION ***")',
        '      echo "run $run: the previous start of this task was requeued from outside (scontrol requeue, or a'
        ' preemption) before it could say how its training ended; this start $how" ;;',
        '    *" DUE TO NODE FAILURE"*)  # ", SEE SLURMCTLD LOG FOR DETAILS ***": its node set DOWN, or not responding',
        '      echo "run $run: the previous start of this task ended as SLURM found its node failed (DOWN, or not'
        ' responding) before it could say how its training ended, and SLURM requeued it; this start $how" ;;',
        '    *) echo "run $run: the previous start of this task ended without a word from it (its node lost, or the'
        ' task killed) and SLURM requeued it; this start $how" ;;',
        "  esac",
        "fi",
        ': 2>/dev/null > "$attempt" || true  # a logs folder this node cannot write: no word of it on a restart',
    ]


def how_it_goes_lines(finished, unstarted):
    """Bash lines setting ``$how`` to what the task's training does with its run now, as a local grid says it
    (:func:`~minitransfer.grid_launch.start_line`): ``finished`` where the run is; resuming it from its checkpoint
    where it has one, unless its train finds it bad (:data:`~minitransfer.grid_status.BAD_CHECKPOINT`: telling
    one takes Python, so said as a condition); trying it where its weights are there without a checkpoint
    (:data:`~minitransfer.grid_status.WEIGHTS_ALONE`: its train refuses to replace them, exit 2); else
    ``unstarted``. Before, the first two were said to resume the run and to start it."""
    checkpoint = shlex.quote(grid.CHECKPOINT_FILE)
    return [
        f'  if finished; then how={shlex.quote(finished)}; elif [ -e "$out/$run.run/"{checkpoint} ]; then',
        f'    how="resumes the run from its checkpoint, $out/$run.run/"{checkpoint}'
        "\", unless its train finds it bad (it then refuses to resume it)\"",
        '  elif [ -e "$out/$run.h5" ]; then',
        f'    how="tries the run ({WEIGHTS_ALONE}, $out/$run.h5): its train refuses to replace them"',
        f'  else how={shlex.quote(unstarted)}; fi',
    ]
