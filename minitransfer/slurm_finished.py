"""Which runs ``submit.sh`` and the array tasks (:mod:`minitransfer.slurm`) count finished, as a local grid
counts them (:mod:`minitransfer.grid_status`): a run with its weights file and a whole result.json
(:func:`finished_lines`: ``{...}`` naming each key train writes; in ``submit.sh``, its digest of itself its
content's, its accuracies train's summary of its eval.csv rows and those the ones it sums up,
:func:`edited_results_lines`); one whose result.json is
damaged or edited but whose checkpoint is there is not finished, and its task's train (``--resume``) writes the
result again, training nothing (over eval.csv rows edited, refuses to: exit 65); one whose checkpoint is gone too is
lost (:func:`lost_function_lines`): not submitted, said
(:func:`lost_results_lines`; at emission, :func:`lost_notes`). And which runs to train a dry run of the grid
says ``submit.sh`` queued (:func:`submitted_note`).
"""

import collections
import inspect
import json
import os
import shlex
import sys

from minitransfer import experiment as grid
from minitransfer import eval_rows, result_checks, result_digests, run_logs, rundir, slurm_asked
from minitransfer.experiment import PLAN_ID, SLURM_SCRIPTS
from minitransfer.grid_plan import text_of
from minitransfer.grid_plan_file import read_plan
from minitransfer.grid_status import RESULT_LOST, RESULT_MISSING, finished_and_lost, result_lost
from minitransfer.own_presets import sources_words
from minitransfer.rundir import RESULT_FILE, train_again
from minitransfer.result_checks import RESULT_FIELDS
from minitransfer.run_file_readers import LOG_BYTES
from minitransfer.result_digests import RESULT_SHA256
from minitransfer.slurm_plan import SUBMIT_FILE, SUBMITTED_FILE

# each key train writes, named in the text (``written``): bash's [[ ]] matches it, no process started
KEYS_NAMED = " ".join(f"&& $text == *{shlex.quote(json.dumps(key))}*" for key in RESULT_FIELDS)

# The rest of ``written``: ``$text`` (a result.json's text) has its strings closed and its braces and brackets
# paired, as one cut short has not (cut at its last ``}``: every key is there). Bash alone: escapes dropped
# (``\\`` first, so that ``\\"`` ends a string), each string skipped to its closing quote, the brackets left
# taken out pair by pair ({} and [] innermost first).
PAIRED_LINES = [
    "  local rest=${text//'\\\\'/} bare=\"\"",
    "  rest=${rest//'\\\"'/}",
    '  while [[ "$rest" == *\\"* ]]; do',
    '    bare+=${rest%%\\"*}; rest=${rest#*\\"}',
    '    [[ "$rest" == *\\"* ]] || return 1  # a string not closed',
    '    rest=${rest#*\\"}',
    "  done",
    '  bare+=$rest; bare=${bare//[^\\{\\}\\[\\]]/}',
    '  while [[ "$bare" == *"{}"* || "$bare" == *"[]"* ]]; do bare=${bare//"{}"/}; bare=${bare//"[]"/}; done',
    '  [ -z "$bare" ]',
]


def finished_lines(run="$1"):
    """Bash function ``finished``: whether run ``run`` (a bash expression: the function's argument, or a
    task's ``$run``) is finished, its weights file ``OUT/<run>.h5`` there with a result.json that is whole.
    Train writes result.json whole and renames it into place (:meth:`minitransfer.run_files.RunFiles.write_json`):
    one empty or cut short was damaged after (a copy cut short, a full disk), and report cannot read it
    (:func:`minitransfer.result_checks.read_result`). "Whole" is text ``{...}`` but for the blanks around it
    that names each key of :data:`~minitransfer.result_checks.RESULT_FIELDS` (``"final"`` and the rest, as
    text, anywhere), read by bash's own ``read`` (no process started for each of a thousand runs): ``{}``, or a
    cut just after ``"final": {...}`` (written before ``"best_top1"``), is not whole, as report tells it. Values
    are not checked, but its strings must be closed and its braces and brackets paired (:data:`PAIRED_LINES`,
    strings and their escapes skipped): a cut just after the last inner object (``"weights": {...}``, the file
    short of its last ``}``, with or without the blanks before it) is ``{...}`` with every key, and was counted
    finished, though report cannot read it (a local grid writes it again from its checkpoint, or says it lost:
    :func:`~minitransfer.grid_status.run_status`). Before, an existing result.json was enough: a run
    whose result.json was emptied was never submitted again, to be written again from its checkpoint as a local
    grid does (:data:`~minitransfer.grid_status.WRITE_AGAIN`); then ``{...}`` was, and ``{}`` counted finished.
    Nor is one in ``$edited_results`` (declared here, empty; ``submit.sh`` fills it: :func:`edited_results_lines`),
    edited since train wrote it, or whose eval.csv rows were."""
    return [
        f"# whole: train writes {RESULT_FILE} to a temporary name and renames it; one empty or cut short was damaged",
        f"declare -A edited_results=()  # {RESULT_FILE} paths not as train wrote them, or their eval.csv rows",
        "written() {",
        '  text=""  # not local: submit.sh looks in the text read for a digest (edited_results_lines), reading it once',
        '  if [ -n "${edited_results[$1]+edited}" ]; then return 1; fi',
        '  if [ -f "$1" ]; then IFS= read -r -d "" text 2>/dev/null < "$1" || true; fi',
        '  text=${text#"${text%%[![:space:]]*}"}; text=${text%"${text##*[![:space:]]}"}',
        f'  [[ "$text" == "{{"*"}}" {KEYS_NAMED} ]] || return 1',
        *PAIRED_LINES,
        "}",
        f'finished() {{ [ -f "$out/{run}.h5" ] && written "$out/{run}.run/{RESULT_FILE}"; }}',
    ]


# The functions report and a local grid tell by whether a finished run's files are as train wrote them: its
# result.json's digest of its other fields (result_edited), its final, best and mean of the 10 best top-1 against the
# eval.csv rows they sum up (summary_differs) and the sums it records of those rows (rows_resummed, of eval.csv read
# as report reads it: read_eval_rows; and where it records them, no line among them train never writes, a row
# repeated or a NaN top-1, which leave the rows read as they were: unwritten_lines), with what they use, run as
# their source reads by submit.sh's one Python, isolated (-I: a json.py in the folder it runs in, or PYTHONPATH,
# imports nothing in their place) and without minitransfer, whose modules import h5py (ten times this Python's
# start). Not the weights file's record of the sums,
# which report goes by where result.json records none (result_checks._weights_resummed: written before 0.11.4): it
# needs h5py, which that Python may not import (-I ignores PYTHONPATH and the user's site-packages, where a cluster's
# modules or pip --user put it); report refuses such a run at the end. tests/test_finished66_edited_rows.py holds
# the names they use defined, and with tests/test_slurm3_edited_result.py its answers to report's.
DIGEST_FUNCTIONS = (rundir.finite, result_digests.result_sha256, result_digests.result_edited, result_digests._finite,
                    result_digests._rows_sha256, result_digests._column_sums, result_digests._sums_differ,
                    result_digests.cut_short, result_digests.rows_resummed, result_checks.accuracies_of,
                    result_checks.summary_differs, result_checks._summed, result_checks.unwritten_lines,
                    eval_rows.line_faults, run_logs.read_eval_rows, run_logs.eval_csv_lines, run_logs.parsed_eval_csv,
                    run_logs.numbered_lines, run_logs.eval_csv_columns, run_logs._bare, run_logs._eval_row)
DIGEST_CONSTANTS = {"RESULT_FILE": RESULT_FILE, "RESULT_SHA256": RESULT_SHA256, "CURVE_SUMS": result_digests.CURVE_SUMS,
                    "CURVE_COLUMNS": result_digests.CURVE_COLUMNS, "SUM_SLACK": result_digests.SUM_SLACK,
                    "SUMMARY_SLACK": result_checks.SUMMARY_SLACK, "BEST_EVALUATIONS": rundir.BEST_EVALUATIONS,
                    "EVAL_COLUMNS": run_logs.EVAL_COLUMNS, "LOG_BYTES": LOG_BYTES}
# Reads NUL-ended result.json paths on stdin, prints the index of each not as train wrote it, or whose eval.csv rows
# are not (check_against_curve, as report and a local grid tell it: grid_status.unreadable_result), or that is no
# JSON object at all (bash's shape check let it through). An eval.csv that is no file (a named pipe would be read for
# ever), or larger than report reads, is not checked: report leaves such a run out, saying why.
EDITED_MAIN = """
def edited(path):
    try:
        record = json.loads(open(path, "rb").read().decode())
        if not isinstance(record, dict) or result_edited(record):
            return True
    except (OSError, ValueError, RecursionError):
        return True
    eval_csv = os.path.join(os.path.dirname(os.fsdecode(path)), "eval.csv")
    try:
        found = os.stat(eval_csv)
        if RESULT_SHA256 not in record or accuracies_of(record) is None or not stat.S_ISREG(found.st_mode) \\
                or found.st_size > LOG_BYTES:
            return False
        rows = read_eval_rows(eval_csv)
        if summary_differs(path, record, eval_csv, rows) is not None or rows_resummed(record, rows) is not None:
            return True
        # a line train never writes among the rows it sums up (one repeated, NaN): rows_edited's, where it sums them
        return isinstance(record.get(CURVE_SUMS), dict) and unwritten_lines(os.fsdecode(path), record, rows) != []
    except OSError:
        return False
for index, path in enumerate(sys.stdin.buffer.read().split(bytes(1))[:-1]):
    if edited(path):
        print(index)
"""


def edited_check():
    """The program of ``submit.sh``'s one Python (:func:`edited_results_lines`): :data:`DIGEST_CONSTANTS`, the source
    of :data:`DIGEST_FUNCTIONS` and :data:`EDITED_MAIN`. Built when the scripts are written, not when this module is
    imported (``experiment --dry-run`` imports it): OSError where that source cannot be read (an install of .pyc
    files alone, a zipapp)."""
    return "\n".join(["import hashlib, json, math, os, pathlib, stat, sys",
                      *(f"{name} = {value!r}" for name, value in DIGEST_CONSTANTS.items()),
                      *map(inspect.getsource, DIGEST_FUNCTIONS)]) + EDITED_MAIN


def edited_results_lines():
    """Bash lines of ``submit.sh`` filling ``$edited_results`` (:func:`finished_lines`) with the result.json files
    of the runs whose weights file is there that are whole by their shape but not as train wrote them: their
    :data:`~minitransfer.result_digests.RESULT_SHA256` no longer the digest of their other fields
    (:func:`minitransfer.result_digests.result_edited`), their final, best or mean of the 10 best top-1 not train's
    summary of their eval.csv's rows (:func:`minitransfer.result_checks.summary_differs`: a result.json of 0.11.3,
    recording no sums, beside a last row edited), or their eval.csv rows no longer those they sum up
    (:func:`minitransfer.result_digests.rows_resummed`; or, where they record those sums, a line among them train
    never writes: :func:`minitransfer.result_checks.unwritten_lines`, the last row repeated, which report and a local
    grid refuse and which submit.sh counted finished), which report and a local grid go by: a run they take as
    not finished, its train writing the result again from its checkpoint (refusing to, exit 65, over edited rows),
    or lost where that is gone. Before, ``written`` went by the shape alone: a result.json whose accuracy was
    edited counted finished, and was skipped; then one whose eval.csv rows were. The digests are of canonical JSON
    and of eval.csv read as report reads it, which bash cannot do: one Python, the one that emitted the scripts,
    asks it of all of them at once (:func:`edited_check`), only of those that hold a digest (one written before
    has none, and is taken as before); where that Python cannot answer, or the program could not be built (the
    package's source not there to read: scripts written all the same, each submission saying so, as report
    refuses such a run at the end), they count by their shape, said."""
    python, digest_key = shlex.quote(sys.executable), shlex.quote(json.dumps(RESULT_SHA256))
    try:
        program = shlex.quote(edited_check())
        asked = f'edited=$(printf "%s\\0" "${{digested[@]}}" | {python} -I -c {program} 2>/dev/null)'
        why = f"{python} failed"
    except OSError:
        asked, why = "false", ("minitransfer's .py source, which that check is read from, could not be read when "
                               "these scripts were written: install it with its source, then emit them again")
    return [
        f"# {RESULT_FILE} files or their eval.csv rows edited since train wrote them: not whole (one Python tells)",
        "digested=()",
        'for run in ${base_runs[@]+"${base_runs[@]}"} ${transfer_runs[@]+"${transfer_runs[@]}"}; do',
        f'  if finished "$run" && [[ "$text" == *{digest_key}* ]]; then digested+=("$out/$run.run/{RESULT_FILE}"); fi',
        "done",
        'if [ "${#digested[@]}" -gt 0 ]; then',
        f"  if {asked}; then",
        '    while read -r index; do if [ -n "$index" ]; then edited_results[${digested[index]}]=yes; fi;'
        ' done <<< "$edited"',
        "  else",
        f'    echo "note: whether the {RESULT_FILE} and eval.csv of the finished runs are as train wrote them was not'
        f' checked ({why}): one edited since counts finished here, though report refuses it" >&2',
        "  fi",
        "fi",
    ]


def lost_function_lines():
    """Bash function ``lost RUN``: whether RUN is :data:`~minitransfer.grid_status.RESULT_LOST` as a local
    grid tells it (:func:`~minitransfer.grid_status.run_status`): its weights file there, its result.json
    not whole (``written``, :func:`~minitransfer.slurm_finished.finished_lines`) and its checkpoint gone; or its
    result.json gone too, its weights its finished network (in ``$missing_results``, declared here, empty: filled by
    :func:`minitransfer.slurm_missing.missing_results_lines`, as bash cannot read the weights' iteration; before,
    such a run was weights without a checkpoint, refused with exit 2, advising to delete that network)."""
    checkpoint, result = shlex.quote(grid.CHECKPOINT_FILE), shlex.quote(RESULT_FILE)
    return [
        f"# {RESULT_LOST}: a finished network whose {RESULT_FILE} nothing writes again without training it anew",
        f"declare -A missing_results=()  # runs whose {RESULT_FILE} and checkpoint are gone, their network there",
        'lost() { [ -n "${missing_results[$1]+gone}" ] ||',
        f'  {{ [ -f "$out/$1.h5" ] && [ -e "$out/$1.run/"{result} ] && ! written "$out/$1.run/"{result} &&',
        f'     [ ! -e "$out/$1.run/"{checkpoint} ]; }}; }}',
    ]


UNREADABLE_HOW = "empty, cut short or edited"  # how a result.json there was lost, as lost_results_lines says it


def lost_results_lines(preset=None):
    """Bash lines saying once (on stderr, going on) the runs that are ``lost`` (:func:`lost_function_lines`),
    which ``submit.sh`` does not submit: their train would refuse them (exit 65, naming the result.json, as
    :class:`~minitransfer.train_finished.ResultLost`; before 0.11.7 exit 2, advising to delete a finished
    network); what to do, in :func:`~minitransfer.grid_status.result_lost`'s words. They stay in ``$lost_runs``:
    ``submit.sh`` ends with exit 65 where there is one (a local grid counts such a run failed, exit 65: report
    leaves it out). Before, submit.sh counted such a run finished, and said so ("all N runs are finished").
    Its result.json said as a local grid says it: one there "cannot be read" (:data:`RESULT_LOST`), one not there
    "is gone" (:data:`RESULT_MISSING`), both where there are both, each gone one named so. The eval command begins
    with the ``MINITRANSFER_PRESET_SOURCES=...`` that the shell it is pasted into needs to know the grid's ``preset``
    where it is one's own (:func:`minitransfer.own_presets.sources_words`): printed bare, it was refused (exit 65,
    preset not known); none for a preset of the package's."""
    return [
        "lost_runs=()",
        'for run in ${base_runs[@]+"${base_runs[@]}"} ${transfer_runs[@]+"${transfer_runs[@]}"}; do',
        '  if lost "$run"; then lost_runs+=("$run"); fi',
        "done",
        'if [ "${#lost_runs[@]}" -gt 0 ]; then',
        "  gone=0  # of them, those whose result.json is gone (missing_results), not there and unreadable",
        '  for run in "${lost_runs[@]}"; do',
        '    if [ -n "${missing_results[$run]+gone}" ]; then gone=$((gone + 1)); fi',
        "  done",
        f'  kinds="{RESULT_LOST}" how="cannot be read ({UNREADABLE_HOW})"',
        f'  if [ "$gone" -eq "${{#lost_runs[@]}}" ]; then kinds="{RESULT_MISSING}" how="is gone"',
        f'  elif [ "$gone" -gt 0 ]; then kinds="{RESULT_LOST}; {RESULT_MISSING}" how="cannot be read ({UNREADABLE_HOW})'
        ' or is gone,"; fi',
        '  echo "not submitted: $(noun "${#lost_runs[@]}" "1 run" "${#lost_runs[@]} runs") ($kinds), whose network is'
        f' there, but whose {RESULT_FILE} $how and whose checkpoint is gone, so nothing writes it again and report'
        ' leaves the run out:" >&2',
        f"  sources={shlex.quote(sources_words(preset))}",
        '  for run in "${lost_runs[@]}"; do',
        '    printf -v weights %q "$out/$run.h5"',
        "    which=\"\"  # where some are gone and some unreadable, each gone one says it",
        f'    if [ "$gone" -lt "${{#lost_runs[@]}}" ] && [ -n "${{missing_results[$run]+gone}}" ]; then'
        f' which=" ({RESULT_FILE} gone)"; fi',
        '    echo "  run $run$which: keep $out/$run.h5: \\`${sources}minitransfer eval $weights\\` scores it again"'
        ' >&2',
        "  done",
        f'  echo "as the last resort, {train_again()}, which replaces that network" >&2',
        "fi",
    ]


def lost_notes(runs, out, states=None):
    """What ``--emit-slurm`` says of the runs of ``runs`` that ``submit.sh`` will not submit, as a local grid
    says it (:func:`~minitransfer.grid_status.result_lost`): one note each. ``states``: the
    :class:`~minitransfer.grid_status.RunStates` the emission's checks of the folder read each result.json into
    (None: read now)."""
    return [f"note: not submitted: {result_lost(out, run)}" for run in finished_and_lost(runs, out, states)[1]]


# experiment --dry-run, the way to watch a grid submitted to SLURM, sees only the grid folder, where a run still
# queued looks like one never submitted ("[todo]", "would run on the CPU"), which read as a submission lost
SUBMITTED_SHOWN = 3  # runs named, the others counted


def submitted_note(runs, out, read=None):
    """A note naming those of ``runs`` (the dry run's runs to train) that ``OUT``'s SLURM scripts submitted for
    its current plan, each with its array task, and how to see which are still queued; "" where none is listed
    (no scripts recorded, no submitted.txt, or its tasks of another plan: they train nothing). ``read``: the plan
    as :func:`~minitransfer.grid_plan_file.plan_and_fault` read it, where the caller did (None: read here). Each task's
    state is squeue's (an ended one's too, while SLURM keeps it), the tasks counted by state, and what ``submit.sh``
    does of those that ended or never start said."""
    plan = read_plan(out) if read is None else read[0]
    scripts, identity = text_of(plan, SLURM_SCRIPTS), text_of(plan, PLAN_ID)
    if scripts is None or identity is None:
        return ""
    listed = os.path.join(scripts, SUBMITTED_FILE)
    try:
        with open(listed, errors="replace") as lines:
            records = [line.rstrip("\n").split("\t") for line in lines]
    except OSError:
        return ""
    task_of = {}
    for fields in records:
        if len(fields) >= 3 and fields[2] == identity:  # a fourth: the #SBATCH lines it was queued with
            task_of[_place(_unquoted(fields[1]))] = fields[0]  # a later line: a later submission
    named = [(run.name, task_of[key]) for run in runs
             if (key := _place(os.path.join(out, run.name))) in task_of]
    if not named:
        return ""
    states = listed_states()
    shown = ", ".join(f"{name} as task {task}{'' if states is None else f' ({_state_of(task, states)})'}"
                      for name, task in named[:SUBMITTED_SHOWN])
    more = f" and {len(named) - SUBMITTED_SHOWN} more" if len(named) > SUBMITTED_SHOWN else ""
    submit = shlex.quote(os.path.join(scripts, SUBMIT_FILE))
    said = (f"{len(named)} of the runs to train {'were' if len(named) > 1 else 'was'} submitted to SLURM "
            f"({listed}: {shown}{more})")
    if states is None:  # no squeue, SLURM out of reach or squeue failed (said: read as its answer where none came)
        why, failed = slurm_asked.unreached(), slurm_asked.failed("squeue")
        asked = (f"could not ask SLURM ({why}): " if why else f"could not read their states ({failed}): " if failed
                 else "")
        return (f"{said}: {asked}queued or running unless cancelled or failed since, which `squeue --array` tells; "
                f"`bash {submit} --dry-run` says what it would submit again")
    counted = collections.Counter(_state_of(task, states) for _, task in named)
    ended = sum(count for state, count in counted.items() if state == GONE or state in ENDED)
    stuck = counted[NEVER_STARTS]
    held = [task for _, task in named if _state_of(task, states) in HELD]
    # a task held (scontrol hold, an administrator's hold) was "(PENDING)", as if it would start
    release = (f"; {_the(len(held), 'task')} held {'starts' if len(held) == 1 else 'start'} only once released: "
               f"scontrol release {' '.join(held)} (JobHeldAdmin: by the cluster's administrators)" if held else "")
    if not ended and not stuck:
        return f"{said}: squeue lists them; `bash {submit} --dry-run` says what it would submit again{release}"
    by_state = ", ".join(f"{count} {'never to start (' + state + ')' if state == NEVER_STARTS else state}"
                         for state, count in counted.most_common())
    again = [f"submits {_the(ended, 'run')} that ended unfinished again"] if ended else []
    if stuck:
        never = "never starts (its" if stuck == 1 else "never start (their"
        again.append(f"cancels {_the(stuck, 'task')} that {never} base failed or was cancelled), to submit "
                     f"{'it' if stuck == 1 else 'them'} again after a new task of that base")
    # TIMEOUT: the --signal margin not honoured (the scripts' lines edited, a training stuck); else it requeues
    out_of_time = ("; a run out of time (TIMEOUT: killed at its limit) resumes from its last checkpoint: where one "
                   "keeps running out of it, emit the scripts again with a longer --time" if counted["TIMEOUT"] else "")
    return f"{said}: by state, {by_state}; `bash {submit}` {'; it '.join(again)}{out_of_time}{release}"


GONE = "no longer queued"
NEVER_STARTS = "PENDING, DependencyNeverSatisfied"  # an afterok on a task that failed or was cancelled
HELD = ("PENDING, JobHeldUser", "PENDING, JobHeldAdmin")  # held: started only once released (scontrol release)
# the states of a job that has ended, which squeue --states=all lists until SLURM forgets it (MinJobAge, 300 s by
# default); before, the note read squeue's queue alone: a task that failed, was cancelled or ran out of time was
# "no longer queued", and one pending for a base that failed "PENDING", as if it would start
ENDED = frozenset(("BOOT_FAIL", "CANCELLED", "COMPLETED", "DEADLINE", "FAILED", "NODE_FAIL", "OUT_OF_MEMORY",
                   "PREEMPTED", "REVOKED", "SPECIAL_EXIT", "TIMEOUT"))


def _state_of(task, states):
    """Array task ``task``'s state as the note says it, from ``states`` (:func:`listed_states`): its own (with
    squeue's reason where it never starts, :data:`NEVER_STARTS`, or is held, :data:`HELD`); else its array's where
    squeue lists the array alone ("8 CANCELLED": the array cancelled while its tasks were all pending); :data:`GONE`
    where squeue lists neither."""
    state, reason = states.get(task) or states.get(task.partition("_")[0]) or (GONE, "")
    return f"{state}, {reason}" if f"{state}, {reason}" in (NEVER_STARTS, *HELD) else state


def _the(number, noun):
    return f"the {noun}" if number == 1 else f"the {number} {noun}s"


def listed_states():
    """{array task: (its state, squeue's reason)} of this user's jobs squeue lists, those ended too while SLURM
    keeps them (``--states=all``): ``{"33_1": ("PENDING", "Dependency"), "32_0": ("FAILED", "NonZeroExitCode")}``;
    None where there is no squeue, or it fails or does not answer (no SLURM_CONF, the controller down: why, in
    :func:`minitransfer.slurm_asked.unreached`; another failure: :func:`minitransfer.slurm_asked.failed`). The dry
    run's note trusted submitted.txt alone: runs whose tasks were cancelled or had failed since were "queued or
    running unless cancelled or failed since"."""
    listed = slurm_asked.ask("squeue", "--noheader", "--array", "--states=all", f"--user={os.getuid()}",
                             "--format=%i %T %r")
    if listed is None:
        return None
    return {fields[0]: (fields[1], fields[2] if len(fields) == 3 else "")
            for fields in (line.split(maxsplit=2) for line in listed.splitlines()) if len(fields) >= 2}


def _place(path):
    """Where ``OUT/<run>`` is, whatever path names it: its folder's device and inode, and its name (its path where
    that folder cannot be read). submit.sh records the path the scripts were emitted with: a dry run given the
    same folder by another path (a link, a bind mount: a login node's /home/u/grid, a node's /scratch/u/grid)
    found none of its runs submitted, and said nothing of their tasks."""
    folder, name = os.path.split(os.path.normpath(path))
    try:
        found = os.stat(folder or ".")
    except OSError:
        return os.path.normpath(path)
    return found.st_dev, found.st_ino, name


def _unquoted(text):
    """``OUT/<run>`` as submit.sh wrote it (bash's printf %q), or as it is where shlex cannot read it."""
    try:
        words = shlex.split(text)
    except ValueError:
        return text
    return words[0] if len(words) == 1 else text
