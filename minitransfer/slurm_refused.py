"""What ``submit.sh`` (:mod:`minitransfer.slurm_submit`) says where sbatch refuses an array script: the
``#SBATCH`` lines of the script that sbatch's error names (an unknown partition, account or QOS, an option
sbatch does not know, a time limit it refuses), and exit 2 where it names one and nothing was submitted: a
usage error, fixed by emitting the scripts again with the right option. Before, every refusal was exit 1
("SLURM failed or refused"), advising to fix "a partition, --gres, --time or --sbatch-option" whichever it was.
A refusal that names none of the script's options (a controller too busy, a limit on the jobs queued) stays
exit 1."""

EXIT_USAGE = 2
# what to do about an option sbatch refused: the scripts' #SBATCH lines come from these options of the emission
EMIT_AGAIN = ("emit the scripts again with the right one (--partition, --gres, --time or --sbatch-option), or fix "
              "it in the #SBATCH lines of both array scripts")
# what to do about a refusal that names none of the script's options (or whose options cannot be told)
FIX_NAMED = ("fix what it names (a partition, --gres, --time or --sbatch-option: emit the scripts again with the right "
             "one)")


def refused_lines():
    """Bash functions. ``sbatch_job ARGS...``: sbatch ARGS, the job id it answers in ``$job``, its error output
    said (on stderr) as sbatch wrote it and kept in ``$sbatch_error``; sbatch's status. ``named_options SCRIPT
    ERROR``: in ``$named``, the options of SCRIPT's ``#SBATCH`` lines (less its own ``--job-name`` and
    ``--output``) that ERROR names, by their name as a word (``partition`` in "invalid partition specified: tset",
    ``acount`` in "unrecognized option '--acount=lab'") or their value (``-p tset``), comma-separated; empty where
    it names none."""
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
        '  local line option key value text=" ${2,,} "',
        '  named=""',
        "  # a limit on the jobs queued, or on their size or time, whichever it was: no option of the script named",
        '  if [[ "$text" == *"violates accounting/qos policy"* ]]; then return 0; fi',
        "  while IFS= read -r line; do",
        '    [[ "$line" == "#SBATCH -"* ]] || continue',
        '    option=${line#"#SBATCH "}; key=${option%%[= ]*}; key=${key#-}; key=${key#-}; value=""',
        '    if [[ "$option" == *[=\\ ]* ]]; then value=${option#*[= ]}; fi',
        '    case "$key" in job-name|output|J|o) continue ;; esac',
        "    # the word sbatch's error names it by, where not its own (\"Invalid node name specified\", \"Invalid",
        '    # feature specification", "Memory required by task is not available"); a short option by its long name',
        '    case "$key" in A) key=account ;; p) key=partition ;; q) key=qos ;; t) key=time ;; G) key=gres ;;',
        "      nodelist|w|exclude|x) key=node ;; constraint|C) key=feature ;; mem|mem-per-*) key=memory ;; esac",
        '    if { [ "${#key}" -gt 2 ] && [[ "$text" =~ [^a-z0-9_]"${key,,}"[^a-z0-9_] ]]; } ||',
        '       { [ "${#value}" -gt 1 ] && [[ "$text" =~ [^a-z0-9_]"${value,,}"[^a-z0-9_] ]]; }; then',
        '      named+=${named:+, }$option',
        "    fi",
        '  done < "$1"',
        "}",
    ]


def refusal_lines():
    """Bash lines ending ``submit.sh`` where sbatch refused ``$script`` (``$sbatch_error``, said above): exit 2
    where its error names ``#SBATCH`` options of the script and nothing was submitted, else 1; what was submitted
    before it stays queued."""
    return [
        '    named_options "$script" "$sbatch_error"',
        '    refusal="sbatch refused $script${named:+ over its #SBATCH $named} (its error above)"',
        '    if [ "$submitted" -eq 0 ]; then',
        '      if [ -n "$named" ]; then',
        f'        echo "$refusal: nothing submitted; {EMIT_AGAIN}, then rerun $submit_sh" >&2',
        f"        exit {EXIT_USAGE}",
        "      fi",
        f'      echo "$refusal: nothing submitted; {FIX_NAMED}, then rerun $submit_sh" >&2',
        "    else",
        f'      echo "$refusal: the $submitted runs submitted before it are queued; {FIX_NAMED}, then rerun'
        ' $submit_sh to submit the others" >&2',
        "    fi",
        "    exit 1",
    ]

