"""SLURM's commands as Python asks them (the dry run's ``squeue`` for the states of the tasks ``submit.sh``
queued, the summary's ``scontrol show config`` for MaxArraySize): each given :data:`SECONDS` at most, and once one
could not reach SLURM (it failed, or gave no answer: the controller stopped or hung, munged not answering), the
next ones of this process, with the same ``PATH`` and ``SLURM_CONF``, not asked for :data:`REMEMBERED_SECONDS`.
A grid's dry run with SLURM's controller down waited out squeue's 9-10 s, then scontrol's as long (20-21 s on the
test cluster, slurmctld stopped or hung, or munged hung), and said nothing of why the tasks' states were missing:
:func:`unreached` says it."""

import os
import shutil
import subprocess
import time

SECONDS = 10  # a controller that does not answer: what the caller says without SLURM's answer
REMEMBERED_SECONDS = 60  # SLURM out of reach a moment ago: not asked again by this process until then
_UNREACHED = {}  # (PATH, SLURM_CONF) → (time.monotonic() when SLURM could not be asked, why)


def ask(program, *args):
    """``program args``' stdout where it exits 0 in :data:`SECONDS`; None where ``program`` is not installed, or
    could not reach SLURM now or a moment ago (why: :func:`unreached`)."""
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
    except OSError as error:
        why = f"{program} could not run ({error.strerror or error})"
    else:
        if done.returncode == 0:
            return done.stdout
        said = done.stderr.strip().splitlines()  # SLURM's last line: "slurm_load_jobs error: Unable to contact ..."
        why = f"{program} failed: {said[-1].strip()}" if said else f"{program} failed (exit {done.returncode})"
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


def _key():
    return os.environ.get("PATH"), os.environ.get("SLURM_CONF")
