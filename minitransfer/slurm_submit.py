"""``submit.sh`` (:mod:`minitransfer.slurm`): submits the runs neither finished nor queued, or with
``--dry-run`` says what it would submit.

SLURM cannot give the tasks of one array different dependencies, hence one transfers array per base:
each transfer waits for its own base only, and a failing base leaves its own transfers pending with
reason ``DependencyNeverSatisfied`` while the others go on. A run is finished when ``OUT/<run>.h5`` is
there with a whole ``OUT/<run>.run/result.json`` (:mod:`minitransfer.slurm_finished`: one emptied, cut short or
edited since train wrote it is submitted, its task's train writing it again from the run's checkpoint; one whose
checkpoint is gone too is said and not submitted, exit 65, as is one whose result.json and checkpoint are gone, its
network at its last iteration there (:mod:`minitransfer.slurm_missing`), and one whose train refuses its checkpoint,
and the transfers of such a base: :mod:`minitransfer.slurm_unresumable`).
``submit.sh`` may be rerun at any time (after sbatch failed
midway, a base failed and was fixed, a job was cancelled or ran out of time): it submits the runs
that are neither finished nor still listed by SLURM from an earlier submission of this plan
(``submitted.txt`` records which run each array task trains, and for which plan), a transfer after
its base's task, new or listed (none once the base is finished); it cancels the tasks stuck with
``DependencyNeverSatisfied`` and submits them again, and refuses while another ``submit.sh`` of this
folder runs. The same plan emitted into another folder too: the runs the tasks of that folder's
``submit.sh`` train, still listed, are not submitted again (``OUT/.slurm-submitters`` names the
folders that submitted runs of OUT), and a ``submit.sh`` of either refuses while the other submits.
What it refuses or unsets before it queues anything: :mod:`minitransfer.slurm_submit_checks` and
:mod:`minitransfer.slurm_submit_environment`.

Each array is numbered from 0 (a base's transfers too, not across all bases), and holds at most
SLURM's MaxArraySize tasks (read by ``scontrol show config``, 1001 by default; less where
SchedulerParameters has a lower ``max_array_tasks``): SLURM refuses an index of MaxArraySize or more
("Invalid job array specification"), which 41 random splits of 7 layers (1148 transfers) numbered
across all bases passed. More runs of one script (over 1001 bases, or transfers of one base) are
submitted as several arrays; a task is given the index of its array's first run
(:func:`minitransfer.slurm_array.array_script`), so each keeps its index when requeued. That limit is
read by :mod:`minitransfer.slurm_array_limit`.
"""

import bisect
import shlex
import textwrap

from minitransfer import experiment as grid
from minitransfer.grid_outcome import EXIT_BAD_DATA
from minitransfer.slurm_array_limit import array_size_lines
from minitransfer.slurm_plan import (BASES_FILE, HEADER, SLURM_COMMANDS_OWN_OPTIONS, SUBMITTED_FILE, TRANSFERS_FILE,
                                     plan_check, plan_file_check)
from minitransfer.slurm_dataset import dataset_lines
from minitransfer.slurm_listed import (changed_check, changed_said_lines, command_sums, command_sums_lines,
                                       ending_said_lines, listed_lines, older_lines_check, older_said_lines,
                                       sbatch_sums_lines, skip_lines, unavailable_said_lines)
from minitransfer.slurm_failed_before import failed_again_lines, failed_before_lines
from minitransfer.slurm_finished import edited_results_lines, finished_lines, lost_function_lines, lost_results_lines
from minitransfer.slurm_missing import missing_results_lines
from minitransfer.slurm_reached import reached_lines
from minitransfer.slurm_refused import refusal_lines, refused_lines
from minitransfer.slurm_submit_checks import (bases_copied_lines, other_folders_lines, scripts_set_lines,
                                              slurm_commands_lines, test_only_lines, weights_without_checkpoint_lines,
                                              writable_lines)
from minitransfer.slurm_submit_environment import environment_lines, srun_variables_lines
from minitransfer.slurm_tasks import edited_tasks_lines
from minitransfer.slurm_unresumable import unresumable_lines
from minitransfer.slurm_time import SIGNAL_MARGIN_SECONDS, edited_time_lines, partition_time_lines

DRY_RUN_HELP = ("on a login node (where SLURM's commands are installed it asks SLURM what is queued, and fails "
                "where its controller does not answer; with none, it checks nothing), print the "
                "sbatch commands it would run now (the runs neither finished nor queued, in the order they depend "
                "on each other), the tasks it would cancel, what each task asks SLURM for, and where the logs go; "
                "check them with sbatch --test-only, and that the files and folders it writes can be written (else "
                "exit 74); submit, cancel and record nothing")
EXIT_CODES_HELP = ("exit codes: 0 submitted (or nothing left to submit); 1 SLURM failed or refused: sbatch (or sbatch "
                   "--test-only) refused an array, squeue failed (SLURM cannot be reached), SLURM's commands are "
                   "missing, another submit.sh of these runs is running; 2 refused before submitting anything: an "
                   "#SBATCH option, or an SBATCH_* variable of the shell, that sbatch (or sbatch --test-only) refused, "
                   "as its error names it (a partition, account or QOS it does not know, GPUs the nodes lack, an "
                   "option misspelt: the line or variable said), an unknown argument, the "
                   "grid folder or its plan not as the scripts were written for (moved, "
                   "deleted, planned again), scripts of different emissions, an array script whose tasks' train "
                   "commands were edited (edit only its #SBATCH lines), an SBATCH_* variable or a partition's "
                   "time limit the tasks cannot work with, a run that would be trained again from the start; 65 a "
                   "dataset missing or damaged (said as experiment --dry-run says it; nothing submitted), or the "
                   "others submitted, but a finished run's result.json is lost (empty, cut short or gone, its "
                   "checkpoint gone, its network kept: said), which report leaves out, or a run's checkpoint is "
                   "one its train refuses (damaged: said, with what to do; not submitted, nor the transfers of "
                   "such a base) (a --dry-run, which submits nothing, says it and exits 0); 74 what it cannot write "
                   "(the tasks' logs, its submitted.txt, the grid folder, a run's folder or train.log)")


def usage_words(submit_sh):
    """What ``bash submit.sh --help`` says (``submit_sh``: how it names the script): its usage, then --dry-run and the
    exit codes, each wrapped at 80 columns (one line of about 1500 characters before)."""
    def wrapped(text):
        return textwrap.wrap(text, 80, subsequent_indent="  ", break_long_words=False, break_on_hyphens=False)

    return "\n".join([f"usage: bash {submit_sh} [--dry-run]", "", *wrapped(f"--dry-run: {DRY_RUN_HELP}"), "",
                      *wrapped(EXIT_CODES_HELP)])


def _end_lines():
    """Bash lines ending ``submit.sh``: where its arrays' output goes; with ``--dry-run``, before that what
    each of their tasks asks SLURM for (its ``#SBATCH`` lines), and after it whether ``sbatch --test-only``
    took them (exit 1 where it refused one)."""
    return [
        'if [ "$dry_run" = yes ]; then',
        f"  for script in {BASES_FILE} {TRANSFERS_FILE}; do",
        '    if [ -z "${arrays[$script]+yes}" ]; then continue; fi',
        '    echo "each task of $script asks SLURM for (its #SBATCH lines):"',
        "    sed -n 's/^#SBATCH /  /p' \"$script\"",
        "  done",
        "fi",
        "# said after a submission too: this may run days after the emission",
        'if [ "${#arrays[@]}" -gt 0 ]; then',
        '  echo "task output: $scripts/logs/<script>-<job>_<task>.out; each run\'s training output:'
        f' $out/<run>.run/{grid.LOG_FILE}"',
        "fi",
        'if [ "$dry_run" = yes ]; then',
        '  if [ "${#arrays[@]}" -gt 0 ] && ! type -P sbatch > /dev/null; then',
        '    echo "not checked with sbatch --test-only: there is no sbatch here (PATH=$PATH)"',
        '  elif [ "$refused" -gt 0 ]; then',
        '    if [ "$named_refusals" -eq "$refused" ]; then exit 2; fi',
        "    exit 1",
        '  elif [ "${#arrays[@]}" -gt 0 ]; then',
        '    echo "sbatch --test-only takes each of them (partition, time limit, options)"',
        "  fi",
        "fi",
    ]


def submit_script(out, slurm_dir, plan, bases, transfers, base_index, scripts_id, margin=SIGNAL_MARGIN_SECONDS,
                  partition=None, scripts_limit="DefaultTime", tasks=None, data_checked_by=None,
                  checkpoints_checked_by=None, preset=None):
    """Submit the runs that are neither finished nor queued: the bases as one array, then each base's
    transfers as one array that depends on that base's task, submitted now or queued before (no
    dependency when the base is finished). Rerun at any time: a task of an earlier submission that
    SLURM still lists is left alone (:data:`SUBMITTED_FILE` keeps which run each one trains, and for
    which plan: one of another plan ends without training, so its run is submitted anew), but one
    that waits for a base that failed or was cancelled (``DependencyNeverSatisfied``) can never start
    and is cancelled, to be submitted again after its base's new task. Nothing where OUT's plan is no
    longer ``plan``, or where an array script it submits is not of its set, ``scripts_id`` (which it
    passes to each task).
    ``transfers``: grouped by base, in the order of ``bases`` (each base's transfers numbered from 0 in
    its arrays, as their index less that of its first); ``base_index``: a base's name -> its index;
    ``margin``: the seconds before the time limit at which the array scripts have SLURM send SIGTERM
    (nothing is submitted under an ``SBATCH_TIMELIMIT`` that leaves too little of it to train, nor with an
    ``SBATCH_SIGNAL``); ``partition`` (the scripts' ``--partition``, None for the default) and
    ``scripts_limit`` ("DefaultTime" where the scripts give no ``--time``, "UNLIMITED" where they ask for
    none, ``0`` or ``UNLIMITED``, else their ``--time``): whose time limit is checked against
    ``margin``, or whose MaxTime would leave jobs asking for no limit, or a longer one, pending
    (:func:`~minitransfer.slurm_time.partition_time_lines`); ``tasks``: each array script's name -> the lines
    giving its tasks their runs and train commands (:func:`~minitransfer.slurm_tasks.task_lines`), which it
    checks are still those of the script (:func:`~minitransfer.slurm_tasks.edited_tasks_lines`);
    ``data_checked_by``: the folder holding the package whose Python checks the datasets before anything is
    queued (:func:`~minitransfer.slurm_dataset.dataset_lines`), None for a train command of another program;
    ``checkpoints_checked_by``: the same for the checkpoints of the runs it would resume, whose runs a train refuses
    are not submitted (:func:`~minitransfer.slurm_unresumable.unresumable_lines`), None for another program's train.
    Every submission
    first asks squeue, so that SLURM out of reach is said as such, not as sbatch refusing the scripts.
    Its exit codes: :data:`EXIT_CODES_HELP`."""
    of_base = [base_index[run.parent] for run in transfers]  # in order: emit_slurm sorts them by base
    transfer_first = [bisect.bisect_left(of_base, index) for index in range(len(bases) + 1)]

    def bash_array(name, values):
        return f"{name}=({' '.join(shlex.quote(str(value)) for value in values)})"

    lines = [
        f"{HEADER}submit the grid's runs that are neither finished nor queued.",
        "# bases.sh runs the bases as one job array; each base's transfers run as one array of transfers.sh",
        "# that waits for that base's task only. A run is finished when OUT/<run>.h5 is there with a whole",
        "# OUT/<run>.run/result.json. Rerun this script at any time (after a failure, a cancelled or timed-out job):",
        f"# it submits what is left. {SUBMITTED_FILE} lists the array tasks of its latest submission and those of",
        "# earlier ones SLURM still listed then (task, OUT/<run> as bash's printf %q writes it, the plan's id:",
        f"# {grid.PLAN_ID} in OUT/{grid.PLAN_FILE}, not the set id, scripts_id, the tasks are given); those of",
        "# this plan SLURM still lists are not submitted again.",
        "set -euo pipefail",
        "# this script's path as its messages give it in a command to run, quoted as shlex.quote quotes the",
        "# command line's (bare where it holds only the characters a shell reads as they are)",
        """if [[ "$0" =~ ^[-A-Za-z0-9_@%+=:,./]+$ ]]; then submit_sh=$0; else printf -v submit_sh %q "$0"; fi""",
        "dry_run=no",
        f'usage="{usage_words("$submit_sh")}"',
        'case "$*" in',
        '  "") ;;',
        "  --dry-run) dry_run=yes ;;",
        '  -h | --help) echo "$usage"; exit 0 ;;  # asked for: on stdout, no error',
        '  *) echo "$usage" >&2; exit 2 ;;',
        "esac",
        *environment_lines(margin),
        *SLURM_COMMANDS_OWN_OPTIONS,
        *srun_variables_lines(),
        "# the folder of this script, whatever its name: one beginning with - is no option to cd, one named -",
        "# is no $OLDPWD (the / after it), and CDPATH, exported, sends cd to no folder of that name elsewhere; a",
        "# symbolic link to this script (one in the home folder) followed: the array scripts are beside the script",
        "# (the link's folder held none, and the set was said to be mixed, to emit again)",
        'scripts_folder=$(dirname -- "$(readlink -f -- "$0" || printf %s "$0")")',
        'CDPATH="" cd -- "$scripts_folder/"',
        f"out={shlex.quote(str(out))}",
        *plan_file_check("nothing submitted", exit_code=2),
        *plan_check(out, slurm_dir, plan, "nothing submitted"),
        "# the array scripts of this set only: another's array indices name other runs",
        f"scripts_id={scripts_id}",
        *scripts_set_lines(bases, transfers),
        *edited_tasks_lines(tasks or {}),
        *edited_time_lines(),
        bash_array("base_runs", [run.name for run in bases]),
        bash_array("transfer_runs", [run.name for run in transfers]),
        # base i's transfers: transfer_runs[transfer_first[i]] up to, not including, transfer_runs[transfer_first[i+1]]
        bash_array("transfer_first", transfer_first),
        # each run's task line's sum (submitted.txt's fifth field), in the order of base_runs and transfer_runs
        bash_array("base_commands", command_sums((tasks or {}).get(BASES_FILE, []))),
        bash_array("transfer_commands", command_sums((tasks or {}).get(TRANSFERS_FILE, []))),
        "",
        *finished_lines(),
        *lost_function_lines(),
        *edited_results_lines(),
        *missing_results_lines(),
        'join() { local IFS=,; echo "$*"; }',
        '# noun COUNT ONE [MANY]: ONE where COUNT is 1, else MANY (default ONEs): noun 2 run: runs',
        'noun() { if [ "$1" = 1 ]; then echo "$2"; else echo "${3:-${2}s}"; fi; }',
        'key_of() { printf -v key %q "$out/$1"; }  # one line, whatever the folder\'s name holds',
        *bases_copied_lines(),
        *weights_without_checkpoint_lines(),
        *slurm_commands_lines(),
        *reached_lines(),
        *partition_time_lines(margin, partition, scripts_limit),
        *writable_lines(),
        *(dataset_lines(data_checked_by) if data_checked_by is not None else ()),
        'if [ "$dry_run" = no ]; then',
        f"  exec 9>> {SUBMITTED_FILE}",
        "  if ! flock --nonblock 9; then",
        '    echo "$submit_sh is already running (it holds $PWD/' + SUBMITTED_FILE + '): wait for it, then rerun" >&2',
        "    exit 1",
        "  fi",
        "else",
        '  echo "dry run: nothing is submitted, cancelled or recorded; JOB1, JOB2, ... stand for the ids SLURM gives'
        ' the jobs as they are submitted"',
        "fi",
        *other_folders_lines(),
        "runs_writable",
        *lost_results_lines(preset),
        *unresumable_lines(checkpoints_checked_by),
        *array_size_lines(),
        *listed_lines(),
        *sbatch_sums_lines(),
        *command_sums_lines(),
        "declare -A task_of=()  # OUT/<run> -> its array task still listed",
        "kept=() never=() stale=()",
        f"if [ -s {SUBMITTED_FILE} ]; then",
        "  while IFS=$'\\t' read -r task key of_plan lines_sum command_sum; do",
        '    if [ -z "$task" ] || [ -z "${reason_of[$task]+listed}" ]; then continue; fi',
        '    if [ "${reason_of[$task]}" = DependencyNeverSatisfied ]; then never+=("$task"); continue; fi',
        "    line=\"$task\"$'\\t'\"$key\"$'\\t'\"$of_plan\"",
        "    if [ -n \"$lines_sum\" ]; then line+=$'\\t'$lines_sum; fi",
        "    if [ -n \"$command_sum\" ]; then line+=$'\\t'$command_sum; fi",
        '    kept+=("$line")',
        *older_lines_check(),
        *changed_check(),
        "    # a task of another plan ends without training (exit 2): its run is not queued for this one",
        '    if [ "$of_plan" = "$plan" ]; then task_of[$key]=$task; else stale+=("$task"); fi',
        f"  done < {SUBMITTED_FILE}",
        "fi",
        "# the tasks of this plan the other folders' submit.sh queued and SLURM still lists (not those stuck",
        "# after a failed base: their own submit.sh cancels them)",
        "declare -A folder_of=() by_folder=()  # OUT/<run> -> the other folder whose task of it is listed; per folder,",
        "# the runs skipped as its tasks queue them (not those finished while their task is still listed)",
        'for folder in ${others[@]+"${others[@]}"}; do',
        "  while IFS=$'\\t' read -r task key of_plan _; do",
        '    if [ -z "$task" ] || [ -z "${reason_of[$task]+listed}" ] || [ "$of_plan" != "$plan" ] ||',
        '       [ "${reason_of[$task]}" = DependencyNeverSatisfied ] || [ -n "${task_of[$key]+queued}" ]; then',
        "      continue",
        "    fi",
        '    task_of[$key]=$task folder_of[$key]=$folder',
        f'  done < "$folder/{SUBMITTED_FILE}"',
        "done",
        'if [ "${#never[@]}" -gt 0 ] && [ "$dry_run" = yes ]; then',
        '  echo "would cancel $(noun "${#never[@]}" "array task") ${never[*]}: $(noun "${#never[@]}" "it waits" "they'
        ' wait") for a base that failed or was cancelled (DependencyNeverSatisfied)"',
        'elif [ "${#never[@]}" -gt 0 ]; then',
        '  scancel "${never[@]}"',
        '  echo "cancelled $(noun "${#never[@]}" "array task") ${never[*]}: $(noun "${#never[@]}" "it" "they") waited'
        ' for a base that failed or was cancelled (DependencyNeverSatisfied)"',
        "fi",
        'if [ "$dry_run" = no ]; then',
        f"  : > {SUBMITTED_FILE}",
        f'  for line in ${{kept[@]+"${{kept[@]}}"}}; do echo "$line" >> {SUBMITTED_FILE}; done',
        "fi",
        "submitted=0 skipped=0 ending_runs=0 new_jobs=0 refused=0",
        *failed_before_lines(),
        *skip_lines(),
        "declare -A arrays=()  # the array scripts submitted",
        *test_only_lines(),
        *refused_lines(),
        "# submit SCRIPT FIRST RUNS LABEL OF AFTER [SBATCH_OPTIONS...]: SCRIPT's runs RUNS (indices in its case,",
        "# e.g. 1,4,1005, FIRST and on) as arrays of at most $array_size tasks, each numbered from 0: task i of one",
        "# trains run OFFSET + i (OFFSET: FIRST plus a multiple of $array_size, given to its tasks); after array",
        "# task AFTER where given; each array said (LABEL: its runs; OF: \" of <total>\" or nothing) and recorded",
        "submit() {",
        '  local script=$1 first=$2 index at offset="" tasks=() runs=()',
        '  IFS=, read -r -a runs <<< "$3"',
        "  for index in \"${runs[@]}\"; do",
        "    at=$(( first + (index - first) / array_size * array_size ))",
        '    if [ "$at" != "$offset" ] && [ "${#tasks[@]}" -gt 0 ]; then submit_array "$offset" "${@:4}"; tasks=(); fi',
        "    offset=$at",
        "    tasks+=(\"$((index - offset))\")",
        "  done",
        '  submit_array "$offset" "${@:4}"',
        "}",
        "# submit_array OFFSET LABEL OF AFTER [SBATCH_OPTIONS...]: the tasks of submit's $script in $tasks",
        "submit_array() {",
        '  local offset=$1 label=$2 of=$3 after=$4 list index run last again=()',
        '  list=$(join "${tasks[@]}")',
        "  arrays[$script]=yes",
        '  set -- --parsable --array="$list" ${after:+"--dependency=afterok:$after"} "${@:5}" "$script" \\',
        '    "$scripts_id" "$offset"',
        '  if [ "$dry_run" = yes ]; then',
        "    new_jobs=$((new_jobs + 1))",
        "    job=JOB$new_jobs",
        '    echo "\\$ sbatch$(shown "$@")"',
        '    test_only "$script" "$list" "$offset"',
        '  elif ! sbatch_job "$@"; then',
        *refusal_lines(),
        "  fi",
        "  job=${job%%;*}",
        '  for index in "${tasks[@]}"; do',
        f'    if [ "$script" = {BASES_FILE} ]; then run=${{base_runs[offset + index]}}; else '
        'run=${transfer_runs[offset + index]}; fi',
        '    key_of "$run"; task_of[$key]=${job}_$index; submitted=$((submitted + 1))',
        '    if [ -n "${failed_before[$run]+failed}" ]; then again+=("$run"); fi',
        f"    if [ \"$dry_run\" = no ]; then printf '%s\\t%s\\t%s\\t%s\\t%s\\n' \"${{job}}_$index\" \"$key\" \"$plan\" "
        f"\"$script:${{lines_of[$script]}}\" \"${{command_of[$key]-}}\" >> {SUBMITTED_FILE}; fi",
        "  done",
        "  last=${of##* }  # the noun agrees with the last number: 1 run, 1 of 2 runs",
        '  echo "$label: job $job, ${#tasks[@]}$of $(noun "${last:-${#tasks[@]}}" run)'
        ' (array $(noun "${#tasks[@]}" task) $list${after:+, after array task $after})"',
        *failed_again_lines(),
        "}",
        "",
        "todo=()",
        'for i in "${!base_runs[@]}"; do',
        '  key_of "${base_runs[i]}"',
        '  if finished "${base_runs[i]}" || lost "${base_runs[i]}" || [ -n "${unresumable[${base_runs[i]}]+bad}" ];'
        ' then continue; fi',
        '  if [ -n "${task_of[$key]+queued}" ]; then skip; else todo+=("$i"); fi',
        "done",
        'if [ "${#todo[@]}" -gt 0 ]; then',
        f'  submit {BASES_FILE} 0 "$(join "${{todo[@]}}")" bases " of ${{#base_runs[@]}}" ""',
        "fi",
        'for i in "${!base_runs[@]}"; do',
        "  todo=()",
        "  for ((j = transfer_first[i]; j < transfer_first[i + 1]; j++)); do",
        '    if finished "${transfer_runs[j]}" || lost "${transfer_runs[j]}"; then continue; fi',
        '    if [ -n "${unresumable[${transfer_runs[j]}]+bad}${unresumable_of[${transfer_runs[j]}]+bad}" ]; then',
        "      continue  # its train refuses its checkpoint, or its base's does: said",
        "    fi",
        '    key_of "${transfer_runs[j]}"',
        '    if [ -n "${task_of[$key]+queued}" ]; then skip; else todo+=("$j"); fi',
        "  done",
        '  if [ "${#todo[@]}" -eq 0 ]; then continue; fi',
        '  after=""',
        "  # a lost base's network is there: its transfers copy it",
        '  if ! finished "${base_runs[i]}" && ! lost "${base_runs[i]}"; then key_of "${base_runs[i]}";'
        ' after=${task_of[$key]}; fi',
        f'  submit {TRANSFERS_FILE} "${{transfer_first[i]}}" "$(join "${{todo[@]}}")" '
        '"transfers of ${base_runs[i]}" "" "$after" --job-name="mt-after-${base_runs[i]}"',
        "done",
        'total=$(( ${#base_runs[@]} + ${#transfer_runs[@]} ))',
        'if [ "$skipped" -gt 0 ]; then',
        '  echo "not submitted again: $skipped $(noun "$skipped" run) queued or running from an earlier submission'
        ' (squeue)"',
        '  for folder in "${!by_folder[@]}"; do',
        '    echo "  ${by_folder[$folder]} of them submitted by $folder/submit.sh (the same plan, emitted there)"',
        "  done",
        *ending_said_lines(),
        *unavailable_said_lines(),
        *older_said_lines(),
        *changed_said_lines(),
        'elif [ "$submitted" -eq 0 ] && [ "${#unresumable_runs[@]}" -gt 0 ]; then',
        '  echo "nothing else to submit in $out"',
        'elif [ "$submitted" -eq 0 ] && [ "${#lost_runs[@]}" -gt 0 ]; then',
        '  left=$((total - ${#lost_runs[@]}))',
        '  echo "nothing else to submit: $(noun "$left" "the other run is" "the other $left runs are") finished'
        ' in $out"',
        'elif [ "$submitted" -eq 0 ]; then',
        '  echo "nothing to submit: $(noun "$total" "the 1 run is" "all $total runs are") finished in $out"',
        "fi",
        'if [ "${#stale[@]}" -gt 0 ]; then',
        '  stale_count=${#stale[@]}',
        f'  echo "$stale_count $(noun "$stale_count" "array task") of another plan of $out (or of one'
        f' $scripts/{SUBMITTED_FILE} does not name) $(noun "$stale_count" is are) still queued: this plan submits'
        ' $(noun "$stale_count" "its run" "their runs") anew where not finished; a task of another plan ends'
        ' without training (exit 2) but holds its place in the queue meanwhile: cancel $(noun "$stale_count" it them)'
        ' (scancel ${stale[*]})" >&2',
        "fi",
        *_end_lines(),
        "# a finished run whose result.json is lost (report leaves it out), or one whose train refuses its",
        "# checkpoint: bad data (a local grid ends so too)",
        f'if [ "${{#lost_runs[@]}}${{#unresumable_runs[@]}}" != 00 ] && [ "$dry_run" = no ]; then'
        f' exit {EXIT_BAD_DATA}; fi',
    ]
    return "\n".join(lines) + "\n"
