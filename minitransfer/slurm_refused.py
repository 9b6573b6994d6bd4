"""What ``submit.sh`` (:mod:`minitransfer.slurm_submit`) says where sbatch refuses an array script: the
``#SBATCH`` lines of the script that sbatch's error names (an unknown partition, account or QOS, an option
sbatch does not know, a time limit it refuses), and exit 2 where it names one and nothing was submitted: a
usage error, fixed by emitting the scripts again with the right option. Before, every refusal was exit 1
("SLURM failed or refused"), advising to fix "a partition, --gres, --time or --sbatch-option" whichever it was.
A refusal that names none of the script's options (a controller too busy, a limit on the jobs queued) stays
exit 1. One that names an ``SBATCH_*`` input variable set in the submitting shell (``SBATCH_PARTITION=nope``,
``SBATCH_GRES=gpu:1`` on a cluster without GPUs), which sbatch takes over the scripts' lines, names that variable,
exit 2: it was exit 1 (seen on the test cluster), advised to emit the scripts again, which leaves it as it is."""

import shlex

EXIT_USAGE = 2
# what to do about an option sbatch refused: the scripts' #SBATCH lines come from these options of the emission
EMIT_AGAIN = ("emit the scripts again with the right one (--partition, --gres, --time or --sbatch-option), or fix "
              "it in the #SBATCH lines of both array scripts")
# what to do about a refusal that names none of the script's options (or whose options cannot be told)
FIX_NAMED = ("fix what it names (a partition, --gres, --time or --sbatch-option: emit the scripts again with the right "
             "one)")
# what to do about an SBATCH_* variable of the submitting shell sbatch refused: the scripts' lines are not at fault
UNSET_VARIABLE = ("unset it in this shell, or give it a value this cluster takes (sbatch takes its SBATCH_* variables "
                  "over the scripts' #SBATCH lines)")


def refused_lines():
    """Bash functions. ``sbatch_job ARGS...``: sbatch ARGS, the job id it answers in ``$job``, its error output
    said (on stderr) as sbatch wrote it and kept in ``$sbatch_error``; sbatch's status. ``named_options SCRIPT
    ERROR``: in ``$named``, the options of SCRIPT's ``#SBATCH`` lines (less its own ``--job-name`` and
    ``--output``) that ERROR names, by their name as a word (``partition`` in "invalid partition specified: tset",
    ``acount`` in "unrecognized option '--acount=lab'") or their value (``-p tset``), comma-separated; empty where
    it names none; in ``$named_variables``, so too the ``SBATCH_*`` variables of this shell's environment
    (``SBATCH_PARTITION=tset``), whose option a line then is not said to be (sbatch takes the variable over it).
    ``refused_over SCRIPT ERROR``: by them, ``$over`` (" over ..." what ERROR names, or "") and ``$fix`` (what to
    do); status 0 where ERROR names a line or a variable (a usage error: exit 2), else 1."""
    return [
        "sbatch_job() {  # sbatch_job ARGS...",
        "  local errors status=0",
        "  errors=$(mktemp 2>/dev/null) || errors=/dev/null  # no temporary file: sbatch's error is not said",
        '  job=$(sbatch "$@" 2> "$errors") || status=$?',
        '  sbatch_error=""',
        '  if [ "$errors" != /dev/null ]; then sbatch_error=$(< "$errors"); rm -f -- "$errors"; fi',
        '  if [ -n "$sbatch_error" ]; then echo "$sbatch_error" >&2; fi',
        '  return "$status"',
        "}",
        "named_options() {  # named_options SCRIPT ERROR",
        '  local line option key value name text=" ${2,,} " overridden=" "',
        '  named="" named_variables=""',
        "  # a limit on the jobs queued, or on their size or time, whichever it was: no option of the script named",
        '  if [[ "$text" == *"violates accounting/qos policy"* ]]; then return 0; fi',
        "  # sbatch's input variables of this shell (SBATCH_PARTITION for --partition), taken over the script's lines",
        "  while IFS= read -r name; do",
        '    key=${name#SBATCH_}; key=${key,,}; key=${key//_/-}; value=${!name-}',
        "    option_word",
        '    if names_it; then named_variables+=${named_variables:+, }$name=$value; overridden+="$key "; fi',
        "  done < <(compgen -e SBATCH_)",
        "  while IFS= read -r line; do",
        '    [[ "$line" == "#SBATCH -"* ]] || continue',
        '    option=${line#"#SBATCH "}; key=${option%%[= ]*}; key=${key#-}; key=${key#-}; value=""',
        '    if [[ "$option" == *[=\\ ]* ]]; then value=${option#*[= ]}; fi',
        "    option_word",
        '    if [[ "$overridden" == *" $key "* ]]; then continue; fi  # a variable of this shell stands for it',
        '    if names_it; then named+=${named:+, }$option; fi',
        '  done < "$1"',
        "}",
        "option_word() {  # the word sbatch's error names option $key by (named_options): in $key, or none",
        '  case "$key" in job-name|output|J|o) key="" ;; esac',
        "  # where not its own (\"Invalid node name specified\", \"Invalid feature specification\", \"Memory required",
        '  # by task is not available", "Invalid generic resource (gres) specification"); a short option by its',
        "  # long name",
        '  case "$key" in A) key=account ;; p) key=partition ;; q) key=qos ;; t|timelimit) key=time ;;',
        "    G|gpus*) key=gres ;; nodelist|w|exclude|x) key=node ;; constraint|C) key=feature ;;",
        "    mem|mem-per-*) key=memory ;; esac",
        "}",
        "names_it() {  # whether sbatch's error ($text) names option $key, or its $value (named_options)",
        '  { [ "${#key}" -gt 2 ] && [[ "$text" =~ [^a-z0-9_]"${key,,}"[^a-z0-9_] ]]; } ||',
        '    { [ -n "$key" ] && [ "${#value}" -gt 1 ] && [[ "$text" =~ [^a-z0-9_]"${value,,}"[^a-z0-9_] ]]; }',
        "}",
        "refused_over() {  # refused_over SCRIPT ERROR",
        '  named_options "$1" "$2"',
        '  if [ -n "$named_variables" ]; then',
        f'    over=" over $named_variables of this shell\'s environment" fix={shlex.quote(UNSET_VARIABLE)}',
        '  elif [ -n "$named" ]; then',
        f'    over=" over its #SBATCH $named" fix={shlex.quote(EMIT_AGAIN)}',
        "  else",
        f'    over="" fix={shlex.quote(FIX_NAMED)}',
        "    return 1",
        "  fi",
        "}",
    ]


def refusal_lines():
    """Bash lines ending ``submit.sh`` where sbatch refused ``$script`` (``$sbatch_error``, said above): exit 2
    where its error names ``#SBATCH`` options of the script and nothing was submitted, else 1; what was submitted
    before it stays queued."""
    return [
        '    usage=no',
        '    if refused_over "$script" "$sbatch_error"; then usage=yes; fi',
        '    refusal="sbatch refused $script$over (its error above)"',
        '    if [ "$submitted" -eq 0 ]; then',
        '      echo "$refusal: nothing submitted; $fix, then rerun $submit_sh" >&2',
        f'      if [ "$usage" = yes ]; then exit {EXIT_USAGE}; fi',
        "    else",
        f'      if [ -z "$named_variables" ]; then fix={shlex.quote(FIX_NAMED)}; fi',
        '      echo "$refusal: the $submitted runs submitted before it are queued; $fix, then rerun'
        ' $submit_sh to submit the others" >&2',
        "    fi",
        "    exit 1",
    ]

