"""The array tasks SLURM still lists, as ``submit.sh`` (:mod:`minitransfer.slurm_submit`) reads them before it submits
anything: each one's state and reason, a task SLURM is ending waited for. A task SLURM is ending is listed
COMPLETING until its processes are gone: after a plain ``scancel`` (the training writing its checkpoint, up to
KillWait), at its time limit, and as its own script requeues it (``scontrol requeue`` on exit 75: COMPLETING, then
PENDING). On the test cluster (``tests/slurm_cluster.py``) a cancelled task was listed COMPLETING for 0.7 s, then no
longer (``squeue -t all``: CANCELLED); one requeuing itself went RUNNING, PENDING (BeginTime), RUNNING (COMPLETING
in between, if at all, for less than the 0.1 s the states were polled at). Read as queued, a cancelled task's run
was "not submitted again ... queued or running", a run no task will train. So ``submit.sh`` waits up to
:data:`ENDING_WAIT_SECONDS` for the COMPLETING ones to end or be requeued (KillWait's default is 30 s), and says
those still COMPLETING then: rerun it in a few seconds.
"""

import hashlib

from minitransfer.slurm_plan import BASES_FILE, SUBMITTED_FILE, TRANSFERS_FILE

ENDING_WAIT_SECONDS = 30
# The state and reason squeue (--format="%T %r") gives a task that waits for nodes down or drained, or for a partition
# down or inactive, as a bash case pattern: SLURM starts it only once an administrator has brought them back. SLURM
# 22.05 lists a task whose only node is drained with the words below (seen on the test cluster), others
# ReqNodeNotAvail, with the nodes it names.
UNAVAILABLE_PATTERNS = ('"PENDING ReqNodeNotAvail"* | "PENDING Nodes required for job are DOWN, DRAINED"* | '
                        '"PENDING PartitionDown" | "PENDING PartitionInactive"')
# The same of a task held (scontrol hold, or an administrator's hold): SLURM starts it only once it is released
HELD_PATTERNS = '"PENDING JobHeldUser" | "PENDING JobHeldAdmin"'


def listed_lines():
    """Bash lines setting ``reason_of`` (array task -> SLURM's reason), ``state_of`` (-> its state) and ``ending_of``
    (the tasks still COMPLETING after the wait) from squeue, where ``submitted.txt`` or another folder's submission
    names tasks (``$others``); exit 1, said, where squeue fails."""
    return [
        "# array task -> SLURM's reason, its state; the tasks SLURM is still ending",
        "declare -A reason_of=() state_of=() ending_of=()",
        "declare -A unavailable_of=()  # the tasks PENDING on nodes or a partition SLURM cannot use now -> the reason",
        "declare -A held_of=()  # the tasks PENDING held (scontrol hold) -> the reason",
        f'if [ -s {SUBMITTED_FILE} ] || [ "${{#others[@]}}" -gt 0 ]; then',
        "  # without the queue, the runs of tasks still queued would be submitted again: said, not bash's bare exit",
        "  list_tasks() {",
        '    if ! listed=$(squeue --noheader --array --user="$(id -u)" --format="%i %T %r"); then',
        '      echo "nothing submitted: squeue failed (its error above), and without the tasks it lists the runs still'
        ' queued from an earlier submission would be submitted again; rerun $submit_sh once squeue answers (SLURM\'s'
        ' controller up)" >&2',
        "      exit 1",
        "    fi",
        "    ending=$(grep -c '^[^ ]* COMPLETING' <<< \"$listed\" || true)",
        "  }",
        "  list_tasks",
        "  # a task COMPLETING is ending: cancelled or out of time (then no longer listed), or requeued by its script",
        "  # (then PENDING); its run is submitted again, or left to it, once SLURM has said which",
        f"  for ((waited = 0; ending > 0 && waited < {ENDING_WAIT_SECONDS}; waited++)); do",
        '    if [ "$waited" = 0 ]; then',
        f'      echo "waiting up to {ENDING_WAIT_SECONDS} s for $ending $(noun "$ending" "array task") SLURM is ending'
        ' (COMPLETING: cancelled, out of time or requeued) to end or be requeued"',
        "    fi",
        "    sleep 1",
        "    list_tasks",
        "  done",
        "  while read -r task state reason; do",
        '    if [ -z "$task" ]; then continue; fi',
        "    reason_of[$task]=$reason state_of[$task]=$state",
        f'    case "$state $reason" in {UNAVAILABLE_PATTERNS}) unavailable_of[$task]=$reason ;;'
        f' {HELD_PATTERNS}) held_of[$task]=$reason ;; esac',
        '    if [ "$state" = COMPLETING ]; then ending_of[$task]=yes; fi',
        '  done <<< "$listed"',
        "fi",
    ]


def ending_said_lines():
    """Bash lines saying the runs skipped whose task SLURM is still ending (``$ending_runs``, counted by
    ``skip``): not queued unless requeued, so to be submitted by a rerun once it has ended."""
    return [
        'if [ "$ending_runs" -gt 0 ]; then',
        f'  echo "  $ending_runs of them $(noun "$ending_runs" "is" "are") still ending after {ENDING_WAIT_SECONDS} s'
        ' (COMPLETING: cancelled or out of time, unless requeued): rerun $submit_sh in a few seconds to submit'
        ' $(noun "$ending_runs" "it" "them") again where not requeued"',
        "fi",
    ]


def sbatch_sums_lines():
    """Bash lines setting ``lines_of``: each array script's name -> the checksum of its ``#SBATCH`` lines now, which
    ``submit.sh`` records with each task it queues (``submitted.txt``'s fourth field, ``<script>:<sum>``; none in one
    written before), to tell the tasks still queued with other lines (:func:`older_lines_check`)."""
    return [
        "declare -A lines_of=() older_of=()  # array script -> its #SBATCH lines' checksum; tasks queued with others",
        "older=()  # the runs skipped whose tasks were queued with other #SBATCH lines than their script's now",
        f"for script in {BASES_FILE} {TRANSFERS_FILE}; do",
        '  if [ -f "$script" ]; then lines_of[$script]=$(sed -n "s/^#SBATCH //p" -- "$script" | cksum); fi',
        "done",
    ]


def older_lines_check():
    """Bash lines of the loop over ``submitted.txt`` marking a task of this plan (``$task``) queued with other
    ``#SBATCH`` lines (``$lines_sum``) than its script has now (``older_of``, to its state): emitted again with
    another --time, partition or --sbatch-option, or edited since. SLURM keeps a queued job's options: before, a
    rerun said only "not submitted again: N queued", and they ran on their old lines."""
    return [
        '    if [ "$of_plan" = "$plan" ] && [ -n "$lines_sum" ] && [ -n "${lines_of[${lines_sum%%:*}]+now}" ] &&',
        '       [ "${lines_of[${lines_sum%%:*}]}" != "${lines_sum#*:}" ]; then older_of[$task]=${state_of[$task]-}; fi',
    ]


def _noun(tasks, one, many):
    """Bash words: ``one`` where the bash array ``tasks`` holds one task, else ``many``."""
    return f'$(noun "${{#{tasks}[@]}}" "{one}" "{many}")'


def _said_by_state(name, than, pending_said, started_said):
    """Bash lines saying the tasks of the bash array ``name`` (each a key of ``name_of``, to its state) in two groups:
    those PENDING, then the others (RUNNING, or SLURM starting them), each with its words (``pending_said``,
    ``started_said``), in which ``{was}``, ``{is}``, ``{it}`` agree with the group's count, ``{tasks}`` lists it and
    ``{than}`` is ``than`` (its words for one task, for more, and what follows either)."""
    lines = [f'if [ "${{#{name}[@]}}" -gt 0 ]; then', f"  {name}_pending=() {name}_started=()",
             f'  for task in "${{{name}[@]}}"; do',
             f'    if [ "${{{name}_of[$task]}}" = PENDING ]; then {name}_pending+=("$task"); else'
             f' {name}_started+=("$task"); fi',
             "  done"]
    for group, said in (f"{name}_pending", pending_said), (f"{name}_started", started_said):
        words = said.format(was=_noun(group, "was", "were"), it=_noun(group, "it", "them"), tasks=f"${{{group}[*]}}",
                            than=_noun(group, than[0], than[1]) + than[2], **{"is": _noun(group, "is", "are")})
        lines.append(f'  if [ "${{#{group}[@]}}" -gt 0 ]; then echo "  ${{#{group}[@]}} of them {words}"; fi')
    return lines + ["fi"]


def older_said_lines():
    """Bash lines saying the skipped runs whose tasks were queued with other ``#SBATCH`` lines (``$older``): those
    still PENDING to cancel, then queue again with the new lines; those started (RUNNING, or SLURM starting them) to
    leave running. A running task was said to cancel too (session 67): cancelled, its training stops, and keeps its
    work only where it writes its checkpoint within SLURM's KillWait (a large network on a slow file system may not);
    left to run, it trains with its old lines, and at their time limit requeues itself (PENDING, its checkpoint
    written), when a rerun says to cancel it."""
    return _said_by_state(
        "older", ("other #SBATCH lines than its script has", "other #SBATCH lines than their scripts have",
                  " now (emitted again since, with another --time, partition or --sbatch-option, or edited)"),
        "{was} queued with {than} and {is} still pending: to queue {it} with the new ones, cancel {it} (scancel"
        " {tasks}), then rerun $submit_sh",
        "{is} running with {than}: leave {it} to run on with the old ones (at its time limit a task requeues itself"
        " with them, its checkpoint written, and resumes; rerun $submit_sh then to cancel it and queue it with the new"
        " ones); cancelled while running (scancel {tasks}), a task's training keeps what it trained only where it"
        " writes its checkpoint within SLURM's KillWait, else only up to its last one")


def skip_lines():
    """Bash lines defining ``skip``: the run of ``$key``, unfinished, is queued already (``task_of``): counted; its
    task noted where SLURM is ending it, where it was queued with older ``#SBATCH`` lines, where it waits for nodes
    or a partition SLURM cannot use now; and counted for the other folder that queued it."""
    return [
        "skip() {",
        '  skipped=$((skipped + 1))',
        '  if [ -n "${older_of[${task_of[$key]}]+older}" ]; then older+=("${task_of[$key]}"); fi',
        '  if [ -n "${ending_of[${task_of[$key]}]+ending}" ]; then ending_runs=$((ending_runs + 1)); fi',
        '  if [ -n "${unavailable_of[${task_of[$key]}]+held}" ]; then unavailable+=("${task_of[$key]}"); fi',
        '  if [ -n "${held_of[${task_of[$key]}]+held}" ]; then held+=("${task_of[$key]}"); fi',
        '  if [ -n "${changed_of[${task_of[$key]}]+changed}" ]; then changed+=("${task_of[$key]}"); fi',
        '  if [ -n "${folder_of[$key]+other}" ]; then',
        '    by_folder[${folder_of[$key]}]=$(( ${by_folder[${folder_of[$key]}]:-0} + 1 ))',
        "  fi",
        "}",
        "unavailable=() held=()",
    ]


def unavailable_said_lines():
    """Bash lines saying the skipped runs whose tasks are PENDING on nodes down or drained, or a partition down
    (``$unavailable``): SLURM starts them once those are back, nothing to submit again. Before, a rerun said only
    "not submitted again: N queued", and a user waiting on a drained node was told nothing of why nor what to do.
    Then those held (``$held``: ``scontrol hold``, or an administrator's): SLURM starts them only once released; they
    were counted queued alone, as if they would start."""
    return [
        'if [ "${#unavailable[@]}" -gt 0 ]; then',
        '  echo "  ${#unavailable[@]} of them $(noun "${#unavailable[@]}" "waits" "wait") for nodes down or drained, or'
        ' a partition down (squeue\'s reason: ${unavailable_of[${unavailable[0]}]}): SLURM starts'
        ' $(noun "${#unavailable[@]}" "it" "them") once they are back, with nothing to submit again (sinfo -R says'
        " why a node is out; the cluster's administrators bring it back); not to wait, cancel"
        ' $(noun "${#unavailable[@]}" "it" "them") (scancel ${unavailable[*]}), emit the scripts again with another'
        ' --partition, then rerun $submit_sh"',
        "fi",
        'if [ "${#held[@]}" -gt 0 ]; then',
        '  echo "  ${#held[@]} of them $(noun "${#held[@]}" "is" "are") held (squeue\'s reason:'
        ' ${held_of[${held[0]}]}): SLURM starts $(noun "${#held[@]}" "it" "them") only once released, with nothing'
        ' to submit again: scontrol release ${held[*]} (JobHeldAdmin: held by the cluster\'s administrators, who'
        ' release it)"',
        "fi",
    ]


def command_sums(lines):
    """The sum of each task line (:func:`~minitransfer.slurm_tasks.task_lines`: a run and its train command) of
    ``lines``, its array index left out (another emission may number the run otherwise), as ``submit.sh`` records it
    with each task it queues (``submitted.txt``'s fifth field)."""
    return [hashlib.sha256(line.split(") ", 1)[1].encode("utf-8", "surrogateescape")).hexdigest()[:16]
            for line in lines]


def command_sums_lines():
    """Bash lines setting ``command_of`` (OUT/<run> as ``key_of`` writes it -> the sum of its task line now, from
    ``base_commands`` and ``transfer_commands``, which follow ``base_runs`` and ``transfer_runs``; empty for scripts
    emitted without their task lines), to tell the tasks queued with another train command (:func:`changed_check`)."""
    return [
        "declare -A command_of=() changed_of=()  # OUT/<run> -> its task line's sum now; tasks queued with another",
        'for i in "${!base_commands[@]}"; do key_of "${base_runs[i]}"; command_of[$key]=${base_commands[i]}; done',
        'for i in "${!transfer_commands[@]}"; do',
        '  key_of "${transfer_runs[i]}"; command_of[$key]=${transfer_commands[i]}',
        "done",
        "changed=()  # the runs skipped whose tasks were queued with another train command than their script's now",
    ]


def changed_check():
    """Bash lines of the loop over ``submitted.txt`` marking a task of this plan (``$task``) queued with another
    train command (``$command_sum``) than its run's script gives now (``changed_of``, to its state): emitted again
    with another --data (the dataset moved), --device or other options of the same plan. SLURM runs a queued job's
    copy of its script, taken as it was submitted: before, a rerun said only "not submitted again: N queued", and
    each then trained with its old command, a dataset moved failing every one of them (exit 65)."""
    return [
        '    if [ "$of_plan" = "$plan" ] && [ -n "$command_sum" ] && [ -n "${command_of[$key]+now}" ] &&',
        '       [ "${command_of[$key]}" != "$command_sum" ]; then changed_of[$task]=${state_of[$task]-}; fi',
    ]


def changed_said_lines():
    """Bash lines saying the skipped runs whose tasks were queued with another train command (``$changed``): those
    PENDING to cancel, then queue again with the new command; those running to leave (one that fails with its old
    command, a dataset moved since, is submitted again by a rerun, resuming from its checkpoint)."""
    return _said_by_state(
        "changed", ("another train command than its script gives its run",
                    "another train command than their scripts give their runs",
                    " now (emitted again since, with another --data, --device or other options of the same plan)"),
        "{was} queued with {than} and {is} still pending, to train with the old one (a dataset it names moved since:"
        " failing, exit 65): to queue {it} with the new one, cancel {it} (scancel {tasks}), then rerun $submit_sh",
        "{is} running with {than}: a task that fails with its old one (a dataset it names moved since: exit 65) has"
        " its run submitted with the new one by a rerun of $submit_sh, resuming from its checkpoint")
