"""SLURM's commands as Python asks them (the dry run's ``squeue`` for the states of the tasks ``submit.sh``
queued, the summary's ``scontrol show config`` for MaxArraySize): each given :data:`SECONDS` at most, and once one
could not reach SLURM (no answer, or an error of the controller out of reach, :data:`OUT_OF_REACH`: the controller
stopped or hung, munged not answering), the next ones of this process, with the same ``PATH`` and ``SLURM_CONF``,
not asked for :data:`REMEMBERED_SECONDS`. A grid's dry run with SLURM's controller down waited out squeue's 9-10 s,
then scontrol's as long (20-21 s on the test cluster, slurmctld stopped or hung, or munged hung), and said nothing
of why the tasks' states were missing: :func:`unreached` says it. Another failure (squeue refusing an option with
the controller up) is that command's alone, :func:`failed`: it was remembered as SLURM out of reach, so scontrol
went unasked and the summary assumed SLURM's default MaxArraySize on a cluster that sets its own."""

import os
import re
import shutil
import subprocess
import time

SECONDS = 10  # a controller that does not answer: what the caller says without SLURM's answer
REMEMBERED_SECONDS = 60  # SLURM out of reach a moment ago: not asked again by this process until then
_UNREACHED = {}  # (PATH, SLURM_CONF) → (time.monotonic() when SLURM could not be asked, why)
_FAILED = {}  # (PATH, SLURM_CONF, program) → why its last run failed, SLURM not out of reach
# SLURM's errors where its controller cannot be reached (slurm_load_jobs / slurm_load_ctl_conf error: ...), munge's
# (munged down or hung, a key or clock that differs), or no slurm.conf to find the controller by
OUT_OF_REACH = re.compile(
    r"unable to contact slurm controller|socket timed out|connection refused|connection timed out|connect failure"
    r"|communication connection failure|zero bytes were transmitted|munge|authentication|unable to establish"
    r"|could not establish a configuration source|unable to process configuration file", re.IGNORECASE)


def ask(program, *args):
    """``program args``' stdout where it exits 0 in :data:`SECONDS`; None where ``program`` is not installed, or
    could not reach SLURM now or a moment ago (why: :func:`unreached`), or failed otherwise (why: :func:`failed`)."""
    _FAILED.pop((*_key(), program), None)
    if unreached() is not None:
        return None
    found = shutil.which(program)
    if found is None:
        return None
    try:
        done = subprocess.run([found, *args], capture_output=True, text=True, errors="replace", timeout=SECONDS,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        why = f"{program} gave no answer in {SECONDS} s"
    except OSError as error:  # not run at all: SLURM not asked
        _FAILED[(*_key(), program)] = f"{program} could not run ({error.strerror or error})"
        return None
    else:
        if done.returncode == 0:
            return done.stdout
        # SLURM's last line: "slurm_load_jobs error: Unable to contact ..."; not getopt's "Try ... --help" after it
        said = [line.strip() for line in done.stderr.splitlines() if line.strip() and not line.startswith("Try ")]
        why = f"{program} failed: {said[-1]}" if said else f"{program} failed (exit {done.returncode})"
        if not OUT_OF_REACH.search(done.stderr):
            _FAILED[(*_key(), program)] = why
            return None
    _UNREACHED[_key()] = (time.monotonic(), why)
    return None


def unreached():
    """Why SLURM could not be asked by this process a moment ago (:data:`REMEMBERED_SECONDS`), as one clause
    ("squeue failed: slurm_load_jobs error: Unable to contact slurm controller (connect failure)", "squeue gave no
    answer in 10 s"); None where it was not."""
    when, why = _UNREACHED.get(_key(), (None, None))
    if when is None or time.monotonic() - when > REMEMBERED_SECONDS:
        return None
    return why


def failed(program):
    """Why ``program`` failed when this process last asked it, SLURM not out of reach (squeue refusing an option:
    "squeue failed: squeue: unrecognized option '--states=all'"); None where it answered, was not installed or not
    asked (SLURM out of reach: :func:`unreached`)."""
    return _FAILED.get((*_key(), program))


def _key():
    return os.environ.get("PATH"), os.environ.get("SLURM_CONF")
