"""Who holds a lock, as its lock file records it: "PID HOST", and under SLURM its job and node
(:func:`this_process_record`), read back as a :class:`Holder` (:func:`read_holder`), and the minitransfer
command such a process runs (:func:`command_of`), for the messages of :mod:`minitransfer.run_lock` and
:mod:`minitransfer.data.lock`, which name the holder as :func:`holder_named` and :func:`pid_named` do
(and a SLURM task's bash as :func:`holder_named_lines` does).
"""

import os
import pathlib
import re
import shlex
import socket
import time

from minitransfer import file_owners
from minitransfer.file_locks import flock_holders

RECORD_BYTES = 320  # a lock file's "PID HOST" line: a host name has at most 255 bytes
# what a SLURM task records of itself (its job, as an array task, and the node slurmd names it by), and
# how much of the record they take at most: the second line, "NAME=VALUE" each
SLURM_VARIABLES = ("SLURM_JOB_ID", "SLURM_ARRAY_JOB_ID", "SLURM_ARRAY_TASK_ID", "SLURMD_NODENAME")
SLURM_BYTES = 512
# job ids and node names: nothing that splits or garbles a record; ASCII, as Python's re and bash's =~ (in the C
# locale) both read it (:func:`holder_named_lines`)
SLURM_VALUE = "[A-Za-z0-9_.-]{1,64}"
_SLURM_VALUE = re.compile(SLURM_VALUE)


def this_process_record():
    """What a lock file this process takes records of it: "PID HOST" (the host: the folder may be on a file
    system that the nodes of a cluster share) and, under SLURM, a second line of its :data:`SLURM_VARIABLES`
    ("SLURM_JOB_ID=1240 SLURM_ARRAY_JOB_ID=1234 SLURM_ARRAY_TASK_ID=5 SLURMD_NODENAME=node7"), as
    :func:`read_holder` reads it. The first line is then padded to :data:`RECORD_BYTES`: older versions read
    that many bytes as "PID HOST", and a SLURM task's wait for a run (:mod:`minitransfer.slurm_array`) the
    first line alone."""
    first = f"{os.getpid()} {socket.gethostname()}".encode()
    slurm = " ".join(f"{name}={os.environ[name]}" for name in SLURM_VARIABLES
                     if _SLURM_VALUE.fullmatch(os.environ.get(name, "")))
    if not slurm:
        return first + b"\n"
    # bytes padded, not characters: a host name not in ASCII would push the SLURM line past its place
    return first.ljust(RECORD_BYTES - 1) + f"\n{slurm}\n".encode()


class Holder(int):
    """The PID of a lock's holder as its lock file records it, with ``host``: the machine it runs on
    where that is another one (a SLURM task on another node of a shared file system), else None (this
    machine, or not recorded: the lock of an older minitransfer). A PID of another host means nothing
    here: never look it up, signal or wait for it on this machine. A SLURM task's ``job`` ("1234_5" for
    task 5 of array job 1234, as scancel takes it, or "1240") and ``node`` (its SLURMD_NODENAME), where it
    recorded them; else None."""

    def __new__(cls, pid, host=None, job=None, node=None):
        self = super().__new__(cls, pid)
        self.host, self.job, self.node = host, job, node
        return self

    def __reduce__(self):  # with its host and job: a RunBusy crosses a process pool pickled
        return type(self), (int(self), self.host, self.job, self.node)


def read_holder(descriptor):
    """The :class:`Holder` an open lock file names: "PID HOST" and its SLURM job's line, or "PID HOST" or
    "PID" alone as older versions (or a process outside SLURM) wrote it; None where it names none (not
    written yet). The SLURM line is read only right after a first line padded as :func:`this_process_record`
    pads it, and only whole (its newline written): on a file system without locks two processes may write
    at once, one's short record over the other's long one, whose job is not the PID's."""
    first, ended, rest = os.pread(descriptor, RECORD_BYTES + SLURM_BYTES, 0).partition(b"\n")
    line, whole, _ = rest.partition(b"\n")
    line = line.decode(errors="replace") if ended and whole and len(first) == RECORD_BYTES - 1 else ""
    pid, _, host = first.decode(errors="replace").strip().partition(" ")
    if not (pid.isascii() and pid.isdigit()):
        return None
    host = host.strip()
    slurm = dict(field.partition("=")[::2] for field in line.split())
    slurm = {name: slurm[name] for name in SLURM_VARIABLES if _SLURM_VALUE.fullmatch(slurm.get(name, ""))}
    return Holder(int(pid), host if host and host != socket.gethostname() else None, _job(slurm),
                  slurm.get("SLURMD_NODENAME"))


def _job(slurm):
    """A SLURM task's job as scancel takes it, from its recorded ``slurm`` variables: "1234_5" for task 5
    of array job 1234, else its SLURM_JOB_ID; None where none is recorded."""
    if "SLURM_ARRAY_JOB_ID" in slurm and "SLURM_ARRAY_TASK_ID" in slurm:
        return f"{slurm['SLURM_ARRAY_JOB_ID']}_{slurm['SLURM_ARRAY_TASK_ID']}"
    return slurm.get("SLURM_JOB_ID")


def holder_named_lines():
    """Bash function ``holder_named``: reading a lock file's record on its standard input as :func:`read_holder`
    reads it, sets ``named`` to its holder in :func:`pid_named`'s words ("SLURM job 1234_5
    on node node7", "PID 4242 on host node7", "PID 4242"), or to nothing where it names none. For a SLURM task
    waiting for a run (:mod:`minitransfer.slurm_array`); made from this module's constants, so that both read
    one format. The host compared with ``uname -n``: ``$HOSTNAME`` may be the login node's, passed on by sbatch."""
    return [
        "holder_named() {",
        "  local LC_ALL=C first='' line='' pid='' host='' field name job='' node=''  # C: ${#first} counts bytes",
        f"  local valid='^{SLURM_VALUE}$'",
        "  local -a fields=()",
        "  local -A slurm=()",
        '  named=""',
        "  IFS= read -r first || true",
        '  read -r pid host <<< "$first"',
        '  [[ "$pid" =~ ^[0-9]+$ ]] || return 0',
        '  if [ "$host" = "$(uname -n)" ]; then host=""; fi',
        "  # the SLURM line only right after a padded first line, and whole: not a writer's under another's record",
        f'  if [ "${{#first}}" -eq {RECORD_BYTES - 1} ] && IFS= read -r line; then read -ra fields <<< "$line"; fi',
        '  for field in ${fields[@]+"${fields[@]}"}; do  # +: bash before 4.4 takes an empty array as unset',
        "    name=${field%%=*}",
        f'    case "$name" in {"|".join(SLURM_VARIABLES)})',
        '      if [[ "$field" == *=* ]]; then slurm[$name]=${field#*=}; else slurm[$name]=""; fi ;;',
        "    esac",
        "  done",
        f"  for name in {' '.join(SLURM_VARIABLES)}; do",
        '    [[ "${slurm[$name]-}" =~ $valid ]] || unset "slurm[$name]"',
        "  done",
        '  if [ -n "${slurm[SLURM_ARRAY_JOB_ID]-}" ] && [ -n "${slurm[SLURM_ARRAY_TASK_ID]-}" ]; then',
        "    job=${slurm[SLURM_ARRAY_JOB_ID]}_${slurm[SLURM_ARRAY_TASK_ID]}",
        "  else job=${slurm[SLURM_JOB_ID]-}; fi",
        "  node=${slurm[SLURMD_NODENAME]-}",
        '  if [ -z "$job" ]; then named="PID $pid${host:+ on host $host}"; return 0; fi',
        '  named="SLURM job $job${host:+ on host $host}"',
        '  if [ -n "$node" ]; then named="SLURM job $job on node $node"; fi',
        '  if [ -z "$host" ]; then named+=", PID $pid"; fi',
        "}",
    ]


def holder_named(pids):
    """How a message names the processes holding a lock, from :func:`minitransfer.run_lock.holder`'s answer
    or a list of PIDs (:func:`minitransfer.data.lock.readers`): " (PID 1234)", as :func:`pid_named` names one
    (on another machine, or a SLURM job; " (PID 1234 of user alice)" another user's), " (PIDs 1234 of user
    alice, 5678)", " (starting up: its PID is not written yet)" for -1, and nothing for None or none known."""
    if pids == -1:
        return " (starting up: its PID is not written yet)"
    pids = [] if pids is None else [pids] if isinstance(pids, int) else list(pids)
    if not pids:
        return ""
    if len(pids) == 1:
        return f" ({pid_named(pids[0])})"
    return f" (PIDs {', '.join(map(_on_its_host, pids))})"


def unwritten_named(lock_file):
    """How a message said minutes into a wait names the holder of ``lock_file`` that never wrote its PID there
    (:func:`minitransfer.run_lock.holder`'s -1), where :func:`holder_named`'s "starting up" no longer fits (an
    older minitransfer, a process other than minitransfer's, one stopped right after it took the lock): fuser
    names it, on the machine it runs on."""
    return f" (one that never wrote its PID: {fuser_names(lock_file)})"


def fuser_names(lock_file):
    """How a message tells to find the process holding ``lock_file`` that never wrote its PID there, rather than
    ``kill -9 -1`` (every process of the user's): "`fuser -v FOLDER/lock` on its machine names it"."""
    return f"`fuser -v {shlex.quote(str(lock_file))}` on its machine names it"


def pid_named(pid):
    """A :func:`minitransfer.run_lock.holder`'s process in words: "PID 1234", "PID 1234 on host node7" on
    another machine, and a SLURM task by its job, which scancel and squeue take where its PID means nothing:
    "SLURM job 1234_5 on node node7", with ", PID 1234" where it runs on this machine (the words
    :func:`holder_named_lines` gives a SLURM task's bash); a process of this machine another user runs, which
    this user may not stop, with its PID " of user alice", as :func:`holder_named` names it among several."""
    job = getattr(pid, "job", None)
    if not job:
        return f"PID {_on_its_host(pid)}"
    where = f" on node {pid.node}" if pid.node else f" on host {pid.host}" if pid.host else ""
    return f"SLURM job {job}{where}{'' if pid.host else f', PID {_on_its_host(pid)}'}"


def user_of(pid):
    """The user running the process ``pid`` of this machine, as a message says it ("user alice", "user 1234":
    :func:`minitransfer.file_owners.as_user`) where it is another user than this process's (one this user may not
    stop: a lab's machine shared by its group), else None (this user's, another host's, or gone)."""
    if pid is None or pid <= 0 or getattr(pid, "host", None):
        return None
    try:
        uid = os.stat(f"/proc/{int(pid)}").st_uid
    except OSError:
        return None
    return None if uid == os.geteuid() else file_owners.as_user(uid)


def _on_its_host(pid):
    """ "1234", "1234 on host node7" for a :class:`Holder` on another machine, or "1234 of user alice" for a
    process of this machine another user runs."""
    host, user = getattr(pid, "host", None), user_of(pid)
    return f"{int(pid)} on host {host}" if host else f"{int(pid)} of {user}" if user else str(int(pid))


def command_named(pid):
    """(the command the lock's holder ``pid`` runs, or None where it cannot be told (:func:`command_of`); the
    holder in a message's words: " (minitransfer prepare folder, PID 1234)", or as :func:`holder_named` names it)."""
    command = command_of(pid)
    return command, f" ({command}, {pid_named(pid)})" if command else holder_named(pid)


def pids_named(pids):
    """The processes ``pids`` holding a lock, in a message's words: one by its command where it can be told
    (:func:`command_named`: " (minitransfer experiment, PID 1234)"), several as :func:`holder_named` names them."""
    return command_named(pids[0])[1] if len(pids) == 1 else holder_named(pids)


def recorded_named(descriptor, path, wait_s):
    """The holder of the lock file ``path`` (open at ``descriptor``), one that another process waits for (a grid's
    planning lock: :class:`minitransfer.grid_folder.GridLock`), in a message's words: " (minitransfer experiment,
    PID 1234)", " (PID 1234 on host node7)" by its record (:func:`this_process_record`); where it has written none
    (looked for over ``wait_s`` seconds: it writes it just after it takes the lock), this machine's holders by the
    kernel's list (:func:`minitransfer.file_locks.flock_holders`), or "" where none is known (a process of another
    host that writes none). A record of this machine naming a process that list does not (one killed with
    SIGKILL, another process holding the lock since) gives way to the list."""
    deadline = time.monotonic() + wait_s
    written = read_holder(descriptor)
    while written is None and time.monotonic() < deadline:
        time.sleep(0.02)
        written = read_holder(descriptor)
    listed = flock_holders(path)
    if written is None or written.host is None and listed and written not in listed:
        return pids_named(listed)
    return command_named(written)[1]


def is_this_process(written, pid=None):
    """Whether the :class:`Holder` a lock file names is this process (its PID, on this machine), or the
    process ``pid`` of this machine where given (a grid's train)."""
    return isinstance(written, Holder) and written == (os.getpid() if pid is None else pid) and written.host is None


def command_of(pid):
    """The minitransfer command a process of this machine runs, as typed: "minitransfer train",
    "minitransfer prepare folder" (a subcommand of prepare too), from its ``/proc/PID/cmdline`` (the
    ``minitransfer`` script or ``python -m minitransfer``); None for a holder on another host (its
    PID means nothing here), a process that calls the library (a notebook, a script), or where it
    cannot be read. Only for a message saying what holds a lock."""
    if pid is None or pid < 0 or getattr(pid, "host", None):
        return None
    try:
        words = pathlib.Path(f"/proc/{int(pid)}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return None
    for index, word in enumerate(words[:3]):  # [python] minitransfer ..., python -m minitransfer ...
        if word == "minitransfer" and index and words[index - 1] == "-m" or \
                index < 2 and pathlib.PurePath(word).name == "minitransfer":
            typed = [word for word in words[index + 1:] if word and not word.startswith("-")]
            return " ".join(["minitransfer", *typed[:2 if typed[:1] == ["prepare"] else 1]])
    return None
