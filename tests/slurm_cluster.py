"""A private single-node SLURM for the tests: munged, slurmctld and slurmd on this host.

Everything lives in a fresh directory under /tmp: the munge key and socket, slurm.conf, the state
and spool directories, the logs; the two daemons listen on free ports, so the cluster touches no
system configuration and another one may run beside it. The node is this host as ``slurmd -C``
describes it. No cgroups (containers often lack them): process tracking by /proc, no task
plugin, no accounting. ``cred_expire=5`` lets a requeued job start again after 5 s instead of 120 s,
and the schedulers run every second. ``KillWait=6``: a job ended by SLURM (a plain scancel, ``scontrol requeue``)
has 6 s between SIGTERM and SIGKILL; the training writes its checkpoint and exits within ~2.2 s of SIGTERM on a
2-core host loaded 3-4 times over, and a task requeued by ``scontrol requeue`` (its script's scancel retried every
5 s, "try again later") lasts the whole of it: 10 s made that test 4 s longer.

One cluster serves every test module of a test process (:func:`shared`): started at its first use, emptied of
jobs after each module (:meth:`Cluster.clear`), stopped when pytest ends. A start per module cost each of the
~16 modules that use it 1.3 s of starting (munged, slurmctld, slurmd, the node's registration) and its stop.

Needs root (slurmd starts jobs as their user) and Debian's ``slurm-wlm`` and ``munge`` packages:
:func:`unavailable_reason` says what is missing, for a skip.
"""

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

DAEMON_DIRS = os.pathsep.join(("/usr/sbin", "/sbin", "/usr/bin", "/bin"))
PROGRAMS = ("munged", "slurmctld", "slurmd", "sbatch", "squeue", "scontrol", "scancel", "sinfo", "srun")
SLURM_CONF = """\
# minitransfer's test cluster (tests/slurm_cluster.py): one node, this host; no cgroups, no accounting.
ClusterName=minitransfer
SlurmctldHost={host}(127.0.0.1)
SlurmctldPort={controller_port}
SlurmdPort={node_port}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={root}/munge/munge.socket,cred_expire=5
StateSaveLocation={root}/state
SlurmdSpoolDir={root}/spool
SlurmctldPidFile={root}/slurmctld.pid
SlurmdPidFile={root}/slurmd.pid
SlurmctldLogFile={root}/slurmctld.log
SlurmdLogFile={root}/slurmd.log
TaskProlog={root}/task_prolog.sh
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
MailProg=/bin/true
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1,bf_interval=1
JobRequeue=1
ReturnToService=2
KillWait=6
MinJobAge=600
{node} NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=test Nodes={host} Default=YES MaxTime=INFINITE State=UP
"""
# Every task's environment with the submitting test's HOME and $MINITRANSFER_CACHE (Cluster.env passes them as
# SLURM_* variables, which SLURM exports even with --export=NONE): a job given the login environment (HOME from the
# password database, no $MINITRANSFER_CACHE) recorded the datasets it verified in the user's ~/.cache.
TASK_PROLOG = """\
#!/bin/sh
for name in HOME MINITRANSFER_CACHE; do
    eval "value=\\${SLURM_TESTS_$name-}"
    [ -n "$value" ] && echo "export $name=$value"
done
exit 0
"""


def unavailable_reason():
    """Why no test cluster can start here (for ``pytest.skip``), or None."""
    if os.geteuid() != 0:
        return "a real SLURM test cluster needs root (slurmd starts the jobs as their user)"
    missing = [name for name in PROGRAMS if shutil.which(name, path=DAEMON_DIRS) is None]
    if missing:
        return (f"SLURM/munge not installed (no {', '.join(missing)}): "
                "apt-get install -y slurm-wlm munge (as .ci/run does)")
    return None


PORT_TRIES = 3  # starts of slurmctld and slurmd on ports probed free, where one was taken in between


def _free_ports(count):
    """``count`` ports free now, distinct: each probe is held open until all are bound (two probes bound
    and closed one after the other could be given the same port, and slurmd then failed to bind the port
    slurmctld held: "Address already in use")."""
    with contextlib.ExitStack() as stack:
        probes = [stack.enter_context(socket.socket()) for _ in range(count)]
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [probe.getsockname()[1] for probe in probes]


class Cluster:
    """The running test cluster. ``env``: the environment for SLURM commands (``SLURM_CONF`` set)."""

    def __init__(self):
        self.root = Path(tempfile.mkdtemp(prefix="minitransfer-slurm-"))
        self.root.chmod(0o755)  # munged wants its socket's folders searchable by everyone
        self.conf = self.root / "slurm.conf"
        self.daemons = []

    @property
    def env(self):
        """This environment now (the test's own $MINITRANSFER_CACHE: the cluster outlives the test that started
        it, and its jobs, exporting the environment they were submitted with, recorded the datasets they
        verified in the first test's cache, or the user's) with ``SLURM_CONF`` set."""
        passed = {f"SLURM_TESTS_{name}": os.environ[name] for name in ("HOME", "MINITRANSFER_CACHE")
                  if name in os.environ}
        return dict(os.environ, SLURM_CONF=str(self.conf), **passed)

    def start(self, timeout=60):
        """Write the configuration, start munged, slurmctld and slurmd, wait for the node to be idle."""
        for name in ("munge", "state", "spool"):
            (self.root / name).mkdir(mode=0o755)
        prolog = self.root / "task_prolog.sh"
        prolog.write_text(TASK_PROLOG)
        prolog.chmod(0o755)
        key = self.root / "munge" / "munge.key"
        key.write_bytes(os.urandom(1024))
        key.chmod(0o400)
        host = socket.gethostname().split(".")[0]
        node = self._program("slurmd", "-C").splitlines()[0]
        munge = self.root / "munge"
        self._daemon("munged", "--foreground", f"--socket={munge}/munge.socket", f"--key-file={key}",
                     f"--log-file={munge}/munged.log", f"--pid-file={munge}/munged.pid",
                     f"--seed-file={munge}/munged.seed")
        self.wait_for(lambda: (munge / "munge.socket").exists(), timeout, "munged's socket")
        for attempt in range(PORT_TRIES):
            controller_port, node_port = _free_ports(2)
            self.conf.write_text(SLURM_CONF.format(host=host, root=self.root, node=node,
                                                   controller_port=controller_port, node_port=node_port))
            self._daemon("slurmctld", "-D", "-f", str(self.conf))
            self._daemon("slurmd", "-D", "-f", str(self.conf))
            try:
                self.wait_for(self._node_idle, timeout, "the node to be idle")
                return
            except RuntimeError as error:  # a port free when probed, taken since (another test's connection)
                if "Address already in use" not in str(error) or attempt == PORT_TRIES - 1:
                    raise
                self._stop_daemons(self.daemons[1:])  # munged stays
                del self.daemons[1:]

    def clear(self, timeout=60):
        """Cancel every job and wait for the queue to be empty and the node idle again: the next module starts
        with the cluster as a fresh one is (finished jobs stay listed by ``scontrol show jobs``, MinJobAge)."""
        self.command("scancel", "--full", f"--user={os.getuid()}", check=False)
        self.wait_for(lambda: not self.command("squeue", "--noheader", check=False).strip(), timeout, "no jobs")
        self.wait_for(self._node_idle, timeout, "the node to be idle")

    def _node_idle(self):
        return self.command("sinfo", "--noheader", "--format=%t", check=False).strip() == "idle"

    def stop(self):
        """Cancel every job, wait for them to end, stop the daemons (newest first), remove the folder."""
        if any(daemon.poll() is None for daemon in self.daemons):
            self.command("scancel", "--full", f"--user={os.getuid()}", check=False)
            try:
                self.wait_for(lambda: not self.command("squeue", "--noheader", check=False).strip(), 30, "no jobs")
            except TimeoutError:
                pass
        self._stop_daemons(self.daemons)
        shutil.rmtree(self.root, ignore_errors=True)

    @staticmethod
    def _stop_daemons(daemons):
        for daemon in reversed(daemons):
            daemon.terminate()
            try:
                daemon.wait(timeout=20)
            except subprocess.TimeoutExpired:
                daemon.kill()
                daemon.wait()

    def command(self, *args, check=True):
        """Run a SLURM client command against this cluster; its stdout."""
        done = subprocess.run(args, env=self.env, capture_output=True, text=True, timeout=60)
        if check and done.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} exited {done.returncode}: {done.stderr.strip()}\n{self.diagnostics()}")
        return done.stdout

    def jobs(self):
        """The jobs SLURM still lists: ``{job id: (state, reason)}``, array tasks as ``<job>_<task>``."""
        listed = self.command("squeue", "--noheader", "--array", "--format=%i %T %r")
        return {job: (state, reason) for job, state, reason in (line.split(maxsplit=2) for line in listed.splitlines())}

    def submitted_fields(self, script, *options):
        """``scontrol show job`` (one line) of ``script`` as ``sbatch --parsable OPTIONS script`` queues
        it, the job cancelled once read (a held one never runs); sbatch's refusal fails the test."""
        done = subprocess.run(["sbatch", "--parsable", *options, str(script)], env=self.env, capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        job = done.stdout.strip().split(";")[0]
        try:
            return self.command("scontrol", "--oneliner", "show", "job", job)
        finally:
            self.command("scancel", job)

    def job_record(self, job):
        """``scontrol show job`` as a dict of its ``Key=Value`` fields."""
        fields = self.command("scontrol", "--oneliner", "show", "job", job).split()
        return dict(field.split("=", 1) for field in fields if "=" in field)

    def wait_for(self, condition, timeout, what):
        deadline = time.monotonic() + timeout
        while not condition():
            self.check_daemons()
            if time.monotonic() > deadline:
                raise TimeoutError(f"gave up waiting {timeout} s for {what}\n{self.diagnostics()}")
            time.sleep(0.2)

    def check_daemons(self):
        for daemon in self.daemons:
            if daemon.poll() is not None:
                raise RuntimeError(f"{daemon.args[0]} exited with {daemon.returncode}\n{self.diagnostics()}")

    def diagnostics(self):
        """The last lines of every daemon's log, for a failure message."""
        parts = []
        for log in sorted(self.root.glob("*.log")) + sorted(self.root.glob("*.out")) + sorted(self.root.glob("munge/*.log")):
            lines = log.read_text(errors="replace").splitlines()[-15:]
            parts.append(f"--- {log.name}\n" + "\n".join(lines))
        return "\n".join(parts)

    def _program(self, name, *args):
        return subprocess.run([shutil.which(name, path=DAEMON_DIRS), *args], env=self.env, capture_output=True,
                              text=True, check=True, timeout=60).stdout

    def _daemon(self, name, *args):
        output = open(self.root / f"{name}.out", "w")
        self.daemons.append(subprocess.Popen([shutil.which(name, path=DAEMON_DIRS), *args], env=self.env,
                                             stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                             start_new_session=True))
        output.close()


_SHARED = []  # this process's running cluster, for :func:`shared`


def shared(config):
    """This test process's cluster: started at the first call, stopped when pytest ends (``config``'s cleanup);
    one whose daemon died (a test that broke it) is stopped and replaced by a fresh one."""
    if _SHARED:
        try:
            _SHARED[0].check_daemons()
            return _SHARED[0]
        except RuntimeError:
            _SHARED.pop().stop()
    running = Cluster()
    try:
        running.start()
    except BaseException:
        running.stop()
        raise
    _SHARED.append(running)
    config.add_cleanup(lambda: _SHARED and _SHARED.pop().stop())
    return running
