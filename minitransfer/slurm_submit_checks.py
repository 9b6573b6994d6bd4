"""What ``submit.sh`` (:mod:`minitransfer.slurm_submit`) refuses or unsets before it queues anything: its
bash lines that check SLURM's commands, the array scripts and the run folders, each ending the script
(submitting nothing) with what to do. Those that check the environment of the shell that submits (sbatch's
input variables, srun's) are :mod:`minitransfer.slurm_submit_environment`'s.

It submits nothing (exit 2) where a base would be trained again from the start (its weights file gone, or
left without its checkpoint) while runs that copied it are trained: the new base is another network than
the one they copied, refused as a local grid refuses it (:func:`bases_copied_lines`).
It ends (exit 1) where another ``submit.sh`` of the same runs is submitting (:func:`other_folders_lines`; SLURM
out of reach: :mod:`minitransfer.slurm_reached`), and with ``--dry-run`` asks ``sbatch --test-only``
whether it would take each array script (:func:`test_only_lines`). The time limits the tasks would get
are checked by :mod:`minitransfer.slurm_time`. It ends (exit 74) where it cannot write the files and folders
the submission needs (:func:`writable_lines`), a dry run too, by their modes.
"""

import pathlib
import shlex
import sys

from minitransfer import experiment as grid
from minitransfer import lock_holder
from minitransfer.grid_outcome import EXIT_IO
from minitransfer.missing_bases import trained_again
from minitransfer.run_lock import RunLock
from minitransfer.rundir import RESULT_FILE
from minitransfer.slurm_plan import BASES_FILE, SUBMITTED_FILE, SUBMITTERS_FILE, TRANSFERS_FILE
from minitransfer.slurm_unresumable import python_run

COPIED_MODULE = "minitransfer.slurm_copied"  # submit.sh's judge of a copy by its base's network (run by this Python)


def scripts_set_lines(bases, transfers):
    """Bash lines ending ``submit.sh`` (exit 2) where an array script it would submit (``bases.sh`` where
    there are ``bases``, ``transfers.sh`` where there are ``transfers``) is not of its set (``$scripts_id``):
    another set's array indices name other runs."""
    return [
        f"for script in {BASES_FILE * bool(bases)} {TRANSFERS_FILE * bool(transfers)}; do",
        '  if ! grep --quiet --line-regexp --fixed-strings "scripts_id=$scripts_id" "$script" 2>/dev/null; then',
        '    echo "nothing submitted: $scripts/$script is not of the set of scripts this $submit_sh belongs to (set'
        ' $scripts_id): they were written by different --emit-slurm runs, one cut short (a full disk?); emit them'
        ' again (minitransfer experiment --emit-slurm), then rerun $submit_sh" >&2',
        "    exit 2",
        "  fi",
        "done",
    ]


def slurm_commands_lines():
    """Bash lines ending ``submit.sh`` (exit 1) where SLURM's commands it runs are not there (a dry run needs
    squeue only where an earlier submission is recorded): said once, not bash's "command not found" half-way."""
    return [
        "# SLURM's commands where this runs (a login node): said once, not bash's \"command not found\" half-way",
        "needed=(sbatch squeue scancel)",
        f'if [ "$dry_run" = yes ]; then needed=(); if [ -s {SUBMITTED_FILE} ]; then needed=(squeue); fi; fi',
        'for command in ${needed[@]+"${needed[@]}"}; do',
        '  if ! type -P "$command" > /dev/null; then',
        '    echo "nothing submitted: there is no $command here (PATH=$PATH): run $submit_sh where SLURM\'s commands'
        ' are (a login node of the cluster), or make them available first (e.g. module load slurm)" >&2',
        "    exit 1",
        "  fi",
        "done",
    ]


def weights_without_checkpoint_lines():
    """Bash lines ending ``submit.sh`` (exit 2, before anything is queued) where an unfinished run's
    weights file ``OUT/<run>.h5`` is there without its checkpoint ``OUT/<run>.run/checkpoint.h5`` (its
    run folder deleted, say): its task's train would refuse to replace the weights (exit 2, ".h5 exists
    but there is nothing to resume from"), as a local grid's does (its dry run: "weights without a
    checkpoint", :func:`minitransfer.grid_status.run_status`), and a base's transfers would wait on it for
    good; before, every such run was submitted, to fail."""
    checkpoint = shlex.quote(grid.CHECKPOINT_FILE)
    return [
        "# an unfinished run's weights without its checkpoint: its train refuses to replace them (exit 2)",
        "orphans=()",
        'for run in ${base_runs[@]+"${base_runs[@]}"} ${transfer_runs[@]+"${transfer_runs[@]}"}; do',
        f'  if ! finished "$run" && [ -e "$out/$run.h5" ] && [ ! -e "$out/$run.run/"{checkpoint} ] &&'
        ' ! lost "$run"; then',
        '    orphans+=("$run")',
        "  fi",
        "done",
        'if [ "${#orphans[@]}" -gt 0 ]; then',
        '  echo "nothing submitted: $(noun "${#orphans[@]}" "1 run has" "${#orphans[@]} runs have") weights without a'
        ' checkpoint (a run folder deleted?), which train refuses to replace (exit 2: .h5 exists but there is nothing'
        ' to resume from): submitted, $(noun "${#orphans[@]}" it each) would fail, a base leaving its transfers'
        ' waiting for good:" >&2',
        '  for run in "${orphans[@]}"; do',
        f'    echo "  run $run: $out/$run.h5, without $out/$run.run/"{checkpoint} >&2',
        "  done",
        '  echo "restore $(noun "${#orphans[@]}" "that run\'s folder" "their run folders") if moved or kept;'
        ' else, to train $(noun "${#orphans[@]}" it them) again from the start, delete or move away'
        ' $(noun "${#orphans[@]}" "its weights file" "their weights files"); then rerun $submit_sh" >&2',
        "  exit 2",
        "fi",
    ]


def bases_copied_lines():
    """Bash lines ending ``submit.sh`` (exit 2, before anything is queued) where an unfinished base would
    be trained again from the start while runs that copied it are trained (finished, or interrupted
    with a checkpoint): its weights file ``OUT/<base>.h5`` gone, or there without its checkpoint (its
    run folder deleted; train refuses to replace it, and deleting it, as :func:`weights_without_checkpoint_lines`
    says of a run no other copied, would lead here). The base trained again is another network than
    the one those runs copied, which would be kept as if from it (their transfers finished, or resumed
    from it): refused as a local grid refuses it, in its words (:func:`minitransfer.grid_check.check_finished`).
    Before, submit.sh submitted the base, or said to delete its weights file, and kept the runs. Not where the
    weights file is gone but the base's checkpoint holds the network each run copied (and the momentum the weights
    file leaves out): its train --resume writes them back byte for byte, as a local grid resumes it (before,
    refused here). Told at submission (the runs may train after emission), by the Python that emitted the scripts,
    as the local grid judges it (:mod:`minitransfer.slurm_copied`): the checkpoint's sha256 is the ``parent_sha256``
    the file each run trained recorded (a base written before version 0.11, whose weights file was its checkpoint's
    copy), or the network it holds is the one the run recorded (a base since, whose weights file leaves its momentum
    out: another sha256; or the same base written elsewhere, in a grid trained on two machines and merged, whose file
    records other paths). Where that Python cannot answer, the runs stay refused, and that is said. Before, bash
    looked for the checkpoint's sha256 (sha256sum) in each run's file first: it read the checkpoint and every
    run's file (a CaffeNet transfer's is 240 MB) to find what only a base written before 0.11 holds, then asked
    Python all the same. Where its weights file is gone because the base is trained again from an earlier checkpoint
    (its lock held) or was stopped so (its checkpoint.h5 there, no result.json: train removes both files until that
    training ends), that is said, with how to finish it, in a local grid's words
    (:func:`minitransfer.missing_bases.trained_again`); before, it said to restore the file train removed for good,
    or to delete the runs that copied it (what they trained lost)."""
    checkpoint, lock, result = (shlex.quote(name) for name in (grid.CHECKPOINT_FILE, RunLock.FILE, RESULT_FILE))
    python, python_path = shlex.quote(sys.executable), pathlib.Path(__file__).resolve().parent.parent
    return [
        "# a base trained again from the start is another network than the one the runs after it copied",
        f"# copied_otherwise BASE RUNS...: in $others, the RUNS that did not copy BASE's {grid.CHECKPOINT_FILE} (all",
        "# where it is gone), as a local grid judges them (grid_trained): by its sha256 (a base written before 0.11)",
        "# or the network it holds; where Python cannot answer, they stay refused, said",
        "copied_otherwise() {",
        f'  local run saved="$out/$1.run/"{checkpoint} base=$1',
        "  shift",
        '  others=("$@")',
        '  if [ ! -f "$saved" ] || [ "${#others[@]}" -eq 0 ]; then return; fi',
        f'  if judged=$({python_run(COPIED_MODULE, python_path)} "$out" "${{others[@]}}" 2>/dev/null); then',
        '    others=(); while IFS= read -r run; do [ -z "$run" ] || others+=("$run"); done <<< "$judged"',
        "  else",
        f'    echo "note: whether $saved holds the network the runs after $base copied was not checked'
        f' ({python} -m {COPIED_MODULE} failed): taken as another" >&2',
        "  fi",
        "}",
        *lock_holder.holder_named_lines(),
        "# trained_again BASE: in $again, missing_bases.trained_again's words where BASE is being trained again",
        "# (its lock held: flock, as run_lock takes it) or was stopped so (its checkpoint, no result.json); else empty",
        "trained_again() {",
        '  local named="" held=0 folder="$out/$1.run"',
        '  again=""',
        f'  if {{ exec 6< "$folder/"{lock}; }} 2>/dev/null; then',
        "    flock --shared --nonblock 6 || held=$?",
        '    if [ "$held" -eq 1 ]; then holder_named <&6; fi  # as RunLock writes it: its SLURM job, or its PID',
        "    exec 6<&-",
        "  fi",
        '  if [ "$held" -eq 1 ]; then',
        f'    again="{trained_again("$1", "$folder", "${named:-another process}")}"',
        f'  elif [ -f "$folder/"{checkpoint} ] && [ ! -e "$folder/"{result} ]; then',
        f'    again="{trained_again("$1", "$folder")}"',
        "  fi",
        "}",
        "copied=() retrained=()",
        'for i in "${!base_runs[@]}"; do',
        "  base=${base_runs[i]}",
        f'  if finished "$base" || lost "$base" ||'
        f' {{ [ -e "$out/$base.h5" ] && [ -e "$out/$base.run/"{checkpoint} ]; }}; then',
        "    continue",
        "  fi",
        "  trained=()",
        "  for ((j = transfer_first[i]; j < transfer_first[i + 1]; j++)); do",
        f'    if finished "${{transfer_runs[j]}}" || lost "${{transfer_runs[j]}}" ||'
        f' [ -e "$out/${{transfer_runs[j]}}.run/"{checkpoint} ]; then',
        '      trained+=("${transfer_runs[j]}")',
        "    fi",
        "  done",
        "  # its weights gone: not where its checkpoint is the network they copied (its train --resume restores them)",
        '  if [ ! -e "$out/$base.h5" ]; then',
        '    copied_otherwise "$base" ${trained[@]+"${trained[@]}"}; trained=(${others[@]+"${others[@]}"})',
        "  fi",
        '  if [ "${#trained[@]}" -eq 0 ]; then continue; fi',
        '  printf -v runs "%s, " "${trained[@]}"; runs=${runs%, } them=$(noun "${#trained[@]}" it them)',
        '  what=$(noun "${#trained[@]}" "what it trained is" "what they trained is")',
        "  # the paths to delete: each run's folder and weights file there (the local grid names them so: grid_check)",
        "  copied_files=()",
        '  for copied_run in "${trained[@]}"; do',
        '    for copied_file in "$out/$copied_run.run" "$out/$copied_run.h5"; do',
        '      if [ -e "$copied_file" ] || [ -L "$copied_file" ]; then',
        '        printf -v copied_file "%q" "$copied_file"; copied_files+=("$copied_file")',
        "      fi",
        "    done",
        "  done",
        '  printf -v files "%s, " ${copied_files[@]+"${copied_files[@]}"}; files=${files%, }',
        '  if [ ! -e "$out/$base.h5" ]; then trained_again "$base"; fi',
        '  if [ ! -e "$out/$base.h5" ] && [ -n "$again" ]; then',
        '    retrained+=("  run $base: its weights file $out/$base.h5, which $runs copied, is gone: $again")',
        '  elif [ ! -e "$out/$base.h5" ]; then',
        '    copied+=("  run $base: its weights file $out/$base.h5, which $runs copied, is gone: restore it; or delete'
        ' the files of $runs ($files) to train $them again from the new $base ($what lost)")',
        "  else",
        f'    copied+=("  run $base: its weights file $out/$base.h5, which $runs copied, is without $out/$base.run/"'
        f'{checkpoint}" (its run folder deleted?), which train refuses to replace: restore its run folder if moved or'
        ' kept; or delete $out/$base.h5, and the files of $runs ($files), to train $them again from'
        ' the new $base ($what lost)")',
        "  fi",
        "done",
        'opening="nothing submitted:"',
        'if [ "${#retrained[@]}" -gt 0 ]; then',
        '  echo "$opening $(noun "${#retrained[@]}" "1 base is" "${#retrained[@]} bases are") being trained again from'
        ' an earlier checkpoint, or stopped while trained so, after runs copied $(noun "${#retrained[@]}" it them)'
        ' (a local grid refuses this too):" >&2',
        '  for line in "${retrained[@]}"; do echo "$line" >&2; done',
        '  opening="and"',
        "fi",
        'if [ "${#copied[@]}" -gt 0 ]; then',
        '  echo "$opening $(noun "${#copied[@]}" "1 base" "${#copied[@]} bases") would be trained again,'
        ' another network than the one the runs after $(noun "${#copied[@]}" it them) copied, which would be kept as'
        ' if from it (a local grid refuses this too):" >&2',
        '  for line in "${copied[@]}"; do echo "$line" >&2; done',
        "fi",
        'if [ "${#retrained[@]}" -gt 0 ] || [ "${#copied[@]}" -gt 0 ]; then',
        '  echo "then rerun $submit_sh" >&2',
        "  exit 2",
        "fi",
    ]


def test_only_lines():
    """Bash function ``test_only SCRIPT INDICES FIRST``: for ``submit.sh --dry-run``, whether sbatch would take
    SCRIPT's array (partition, time limit, options) by ``sbatch --test-only``, which queues nothing,
    once per script (the arrays of one script differ in indices and dependency only; the dependency on
    a job not yet submitted is left out); a refusal is said with sbatch's error and counted."""
    return [
        "test_only() {  # test_only SCRIPT INDICES FIRST",
        "  local error",
        '  if [ -n "${tested[$1]+yes}" ] || ! type -P sbatch > /dev/null; then return 0; fi',
        "  tested[$1]=yes",
        '  if ! error=$(sbatch --test-only --array="$2" "$1" "$scripts_id" "$3" 2>&1 > /dev/null); then',
        '    echo "$error" >&2',
        '    if refused_over "$1" "$error"; then',
        '      echo "sbatch --test-only refuses $1$over (its error above): $submit_sh would fail there (exit 2); $fix"'
        " >&2",
        "      named_refusals=$((named_refusals + 1))",
        "    else",
        '      echo "sbatch --test-only refuses $1 (its error above): $submit_sh would fail there; $fix" >&2',
        "    fi",
        "    refused=$((refused + 1))",
        "  fi",
        "}",
        "declare -A tested=()",
        "named_refusals=0  # those whose error names #SBATCH options or SBATCH_* variables (refused_over): exit 2",
        "shown() {  # shown WORDS...: as the shell reads them back, plain where that needs no quotes (0,4,5)",
        "  local word",
        '  for word; do if [[ -z "$word" || "$word" == *[!A-Za-z0-9_,.:=/@%+-]* ]]; then printf " %q" "$word";'
        ' else printf " %s" "$word"; fi; done',
        "}",
    ]


def writable_lines():
    """Bash lines ending ``submit.sh`` (exit 74, "cannot write PATH: REASON"; before it records or submits
    anything) where it cannot write its :data:`SUBMITTED_FILE` (in the scripts' folder) or the folder of the
    tasks' output (``$scripts/logs``, made where it is not there). SLURM writes each task's output there as
    the job's user: one it cannot write (or a folder that is not there) fails every task to launch
    (JobLaunchFailure) with no output anywhere, at each rerun too, while sbatch took them all. A dry run,
    which writes nothing, tests their modes (or their folder's, where they are not there) and stops so too,
    saying the submission would: before, it said all was well, and the submission then exited 74. So too
    where it cannot write the folder (or the train.log) of a run neither finished nor lost: submit.sh queued its
    task, which SLURM ran only for it to end at once, exit 74, and its transfers then never started
    (``runs_writable``, called after :func:`other_folders_lines`, whose file in OUT says a read-only grid folder)."""
    return [
        "# unwritable PATH ERROR WHAT: exit 74, saying PATH cannot be written (the reason: ERROR's last part,",
        "# as bash, mkdir and the like end theirs) and WHAT goes there",
        "unwritable() {",
        '  if [ "$dry_run" = yes ]; then',
        '    echo "dry run stopped: $submit_sh would fail: cannot write $1: ${2##*: }: $3; make it writable, then'
        ' rerun $submit_sh --dry-run" >&2',
        "  else",
        '    echo "nothing submitted: cannot write $1: ${2##*: }: $3; make it writable, then rerun $submit_sh" >&2',
        "  fi",
        f"  exit {EXIT_IO}",
        "}",
        "# writable FOLDER WHAT: whether a file can be made in FOLDER (a test of its mode misses a read-only file",
        "# system, an ACL)",
        "writable() {",
        '  local probe="$1/.submit-probe-$$"',
        '  error=$({ : > "$probe"; } 2>&1) || unwritable "$1" "$error" "$2"',
        '  rm -f -- "$probe"',
        "}",
        "# would_write PATH WHAT: for a dry run, which writes nothing, whether PATH (its folder where it is not there)",
        "# is writable by its mode",
        "would_write() {",
        '  local path=$1',
        '  if [ ! -e "$path" ]; then path=$(dirname -- "$path"); fi',
        '  [ -w "$path" ] || unwritable "$path" "not writable" "$2"',
        "}",
        'submitted_use="it records which run each array task trains"',
        "# the folder of the tasks' output (#SBATCH --output): SLURM does not make it; a user may have deleted it",
        "logs_use=\"the tasks' output goes there, without which SLURM cannot start them (JobLaunchFailure, no output"
        ' anywhere)"',
        'if [ "$dry_run" = no ]; then',
        f'  error=$({{ : >> {SUBMITTED_FILE}; }} 2>&1) || unwritable "$scripts/{SUBMITTED_FILE}" "$error"'
        ' "$submitted_use"',
        '  error=$(mkdir -p -- "$scripts/logs" 2>&1) || unwritable "$scripts/logs" "$error" "$logs_use"',
        '  writable "$scripts/logs" "$logs_use"',
        "else",
        f'  would_write "$scripts/{SUBMITTED_FILE}" "$submitted_use"',
        '  would_write "$scripts/logs" "$logs_use"',
        "fi",
        "# runs_writable: the folder of each run a task may train, and its train.log, writable; called once the grid",
        "# folder's own file was (a grid folder read-only is said as that). Its task could write neither, and failed",
        "# (exit 74) after SLURM ran it; a run folder not there yet is made by its task. Told by their modes first, no",
        "# process started (a grid has many runs); where those say no, as writable and would_write tell it",
        "runs_writable() {",
        '  local run run_log use="its array task writes the run\'s train.log, checkpoint and weights there"',
        '  for run in ${base_runs[@]+"${base_runs[@]}"} ${transfer_runs[@]+"${transfer_runs[@]}"}; do',
        f'    run_log="$out/$run.run/{grid.LOG_FILE}"',
        '    if [ ! -d "$out/$run.run" ] || { [ -w "$out/$run.run" ] && { [ ! -e "$run_log" ] ||',
        '       { [ -f "$run_log" ] && [ -w "$run_log" ]; }; }; } || finished "$run" || lost "$run"; then continue; fi',
        '    if [ "$dry_run" = yes ]; then',
        '      would_write "$out/$run.run" "$use"',
        '      if [ ! -f "$run_log" ]; then unwritable "$run_log" "not a file" "$use"; fi',
        '      would_write "$run_log" "$use"',
        "    else",
        '      writable "$out/$run.run" "$use"',
        '      if [ -e "$run_log" ]; then',
        '        error=$({ : >> "$run_log"; } 2>&1) || unwritable "$run_log" "$error" "$use"',
        "      fi",
        "    fi",
        "  done",
        "}",
    ]


def other_folders_lines():
    """Bash lines reading ``OUT/`` :data:`SUBMITTERS_FILE` into ``others``: the other scripts folders whose
    ``submit.sh`` submitted runs of OUT (the same plan emitted again into another folder), whose tasks of
    this plan SLURM still lists are not submitted again. Unless a dry run, this folder is added to the
    file, which is held locked (exclusive) until this script ends: a ``submit.sh`` of another folder
    submitting runs of OUT meanwhile is refused, as a second one of this folder is."""
    return [
        f'submitters="$out/{SUBMITTERS_FILE}"',
        'if [ "$dry_run" = no ]; then',
        '  error=$({ : >> "$submitters"; } 2>&1) || unwritable "$submitters" "$error" "it records the scripts'
        ' folders submitting runs of $out (the tasks write into $out too)"',
        '  exec 7>> "$submitters"',
        "  if ! flock --nonblock 7; then",
        '    echo "a submit.sh of another scripts folder is submitting the runs of $out (it holds $submitters): wait'
        ' for it, then rerun $submit_sh" >&2',
        "    exit 1",
        "  fi",
        '  if ! grep --quiet --line-regexp --fixed-strings -- "$scripts" "$submitters"; then',
        '    echo "$scripts" >&7',
        "  fi",
        "fi",
        "others=()",
        "# a dry run needs no squeue: without it, no folder's tasks are read",
        'if [ -f "$submitters" ] && type -P squeue > /dev/null; then',
        '  while IFS= read -r folder; do',
        f'    if [ -n "$folder" ] && [ "$folder" != "$scripts" ] && [ -s "$folder/{SUBMITTED_FILE}" ]; then',
        '      others+=("$folder")',
        "    fi",
        '  done < "$submitters"',
        "fi",
    ]
