"""``submit.sh``'s first question to SLURM (:func:`reached_lines`): its squeue, asked before anything is locked or
submitted, failing (SLURM out of reach) is said as such, and one that does not answer (munged or the controller
hung) is said to be waited for."""

# submit.sh's first squeue not answering in this many seconds is said (a hung munged or controller), then waited for
SQUEUE_PATIENCE = 30
HUNG = ("squeue has not answered in {seconds} s: SLURM's controller or munged (its authentication) on this machine may "
        "be hung (scontrol ping; munge -n | unmunge); still waiting for it, nothing submitted yet: SLURM's commands "
        "end by themselves with their error, after minutes, or Ctrl-C stops $submit_sh here")


def reached_lines():
    """Bash lines ending ``submit.sh`` (exit 1) where squeue, asked first on every submission (a dry run's
    where squeue is here), fails: SLURM out of reach (no ``SLURM_CONF``, the controller down: "Could not
    establish a configuration source"; munged down or hung: "Munge encode failed") is said as such. Before, only
    a rerun asked squeue, and a first submission let sbatch fail, saying to fix a partition, --gres, --time or
    --sbatch-option. A dry run says it asks SLURM, so runs on a login node, and that off the cluster the emit
    step's summary is the preview (before, it said only that nothing was submitted, and to rerun the submission
    there). A squeue that has not answered in :data:`SQUEUE_PATIENCE` s is said to be waited for (:data:`HUNG`):
    with munged stopped on the test cluster, a squeue failed only after 314 s ("Munge encode failed"; four of
    SLURM's commands at once: each after 128-130 s), submit.sh silent meanwhile. Not cut off by a time limit: a
    slow controller would be, and SLURM's own errors end the wait (sbatch, asked after it, retries a busy
    controller for minutes, and killed could leave an array queued that submitted.txt does not record)."""
    unreachable = ("squeue failed (its error above): SLURM cannot be reached from here (SLURM_CONF unset or naming"
                   " another configuration, SLURM\'s controller down, munged down or hung here, or not a machine of"
                   " the cluster")
    return [
        "# SLURM reached at all, before anything is locked or asked of it: said as such, not as sbatch refusing;",
        f"# a squeue silent for {SQUEUE_PATIENCE} s said (munged or the controller hung), this script still alive",
        "if type -P squeue > /dev/null; then",
        "  # a second at a time: the sleep left by the kill below ends within one (holding no output open)",
        f'  {{ for ((second = 0; second < {SQUEUE_PATIENCE}; second++)); do sleep 1 < /dev/null > /dev/null 2>&1; done',
        f'    if kill -0 $$ 2> /dev/null; then echo "{HUNG.format(seconds=SQUEUE_PATIENCE)}" >&2; fi; }} &',
        "  waiting=$! reached=yes",
        '  squeue --noheader --user="$(id -u)" --format=%i > /dev/null || reached=no',
        '  kill "$waiting" 2> /dev/null || true',
        '  wait "$waiting" 2> /dev/null || true',
        '  if [ "$reached" = no ]; then',
        '    if [ "$dry_run" = yes ]; then',
        f'      echo "dry run stopped: {unreachable}): the dry run asks SLURM what is queued and has sbatch'
        ' --test-only check each array, so it runs where SLURM\'s controller answers: run $submit_sh --dry-run on a'
        ' login node; off the cluster, what the scripts submit is what experiment --emit-slurm said as it wrote'
        ' them" >&2',
        "    else",
        f'      echo "nothing submitted: {unreachable}: run $submit_sh on a login node); rerun $submit_sh once squeue'
        ' answers" >&2',
        "    fi",
        "    exit 1",
        "  fi",
        "fi",
    ]
