"""The paper's grid of networks (Yosinski et al. 2014, §2 and §4): planning and local scheduling.

Every network of the grid is an ordinary ``minitransfer train`` run: weights ``OUT/<name>.h5`` and
its run directory ``OUT/<name>.run/`` (config.json, metrics.jsonl, eval.csv, checkpoint.h5,
result.json, written by ``train``), where the experiment adds ``treatment.json`` (which treatment
the run is) and ``train.log`` (the run's output). Names::

    random0/baseA  random0/baseB          base networks on the halves of random split seed 0
    random0/B3B    random0/B3B+           selffer, frozen / fine-tuned (first 3 layers of baseB)
    random0/A3B    random0/A3B+           transfer from A to B, frozen / fine-tuned
    random0/A3A ... random0/B3A+          the other direction (``both_directions``)
    natural/baseA  natural/A3B  natural/B3A   natural (A) / man-made (B) split, frozen transfers
    all/base       all/random3            all classes; first 3 layers random and frozen (§4.3)
    all/reduced-0010                      all classes, 10 training images per class (supp. B)

A transfer or selffer run depends on the base it copies from. The local scheduler runs one network
per visible GPU (``CUDA_VISIBLE_DEVICES`` set per process) or one at a time on the CPU; a run whose
result file exists is skipped and every other run is started with ``--resume auto``, so rerunning
the same command after a crash or Ctrl-C finishes the grid without redoing finished work.
``OUT/experiment.json`` records the plan. :mod:`minitransfer.slurm` writes the same grid as SLURM
job arrays.
"""

import dataclasses
import json
import os
import pathlib
import shlex
import signal
import subprocess
import sys
import time
import zlib

from minitransfer import fileio
from minitransfer.train import run_dir_for

TREATMENT_FILE = "treatment.json"
PLAN_FILE = "experiment.json"
RESULT_FILE = "result.json"
LOG_FILE = "train.log"
EXIT_INTERRUPTED = 75
SPLITS = ("random", "natural")
HALVES = ("A", "B")


@dataclasses.dataclass(frozen=True)
class Run:
    """One network of the grid.

    ``kind``: "base", "selffer", "transfer", "random-frozen" or "reduced". ``target``: the half it
    is trained on ("A"/"B"; None for all classes); ``source``: the half its first ``n`` layers were
    trained on (None unless copied); ``parent``: the name of the run it copies from."""

    name: str
    kind: str
    split: str
    split_seed: int
    target: str = None
    source: str = None
    n: int = 0
    fine_tuned: bool = False
    per_class: int = None
    parent: str = None

    @property
    def label(self):
        """The paper's name: baseB, A3B, B3B+, random3, reduced-0010."""
        if self.kind == "base":
            return f"base{self.target or ''}"
        if self.kind == "random-frozen":
            return f"random{self.n}"
        if self.kind == "reduced":
            return f"reduced-{self.per_class:04d}"
        return f"{self.source}{self.n}{self.target}{'+' if self.fine_tuned else ''}"

    @property
    def treatment(self):
        """The paper's aggregated treatment (its footnote 3: AnA counts as BnB and BnA as AnB):
        baseB, BnB, BnB+, AnB, AnB+, random, reduced."""
        plus = "+" if self.fine_tuned else ""
        return {"base": "baseB", "selffer": f"BnB{plus}", "transfer": f"AnB{plus}",
                "random-frozen": "random", "reduced": "reduced"}[self.kind]

    def to_json(self):
        return dict(dataclasses.asdict(self), label=self.label, treatment=self.treatment)

    @classmethod
    def from_json(cls, record):
        fields = {field.name for field in dataclasses.fields(cls)}
        return cls(**{key: value for key, value in record.items() if key in fields})


def parse_layers(text):
    """``"1-7"`` / ``"1,3,5"`` / ``"2-4,7"`` → sorted tuple of ints in 1..7 (the n of the paper)."""
    layers = set()
    for part in (p.strip() for p in str(text).split(",")):
        if not part:
            continue
        low, _, high = part.partition("-")
        try:
            first, last = int(low), int(high or low)
        except ValueError:
            raise ValueError(f"layers: cannot read {part!r} in {text!r} (expected e.g. 1-7 or 1,3,5)") from None
        if not 1 <= first <= last <= 7:
            raise ValueError(f"layers: {part!r} is outside 1..7 (n counts the copied weight layers)")
        layers.update(range(first, last + 1))
    return tuple(sorted(layers))


def plan_grid(random_seeds=(0,), natural=False, layers=tuple(range(1, 8)), both_directions=False,
              frozen=True, fine_tuned=True, selffer=True, random_frozen=(), per_class=()):
    """The list of runs, parents before children.

    For each random split seed: baseA, baseB, then for each n in ``layers`` the selffer BnB(+) and
    the transfer AnB(+) (``frozen`` and/or ``fine_tuned``); ``both_directions`` adds AnA(+) and BnA(+).
    ``natural``: baseA (natural), baseB (man-made) and the frozen transfers AnB and BnA (Figure 3).
    ``random_frozen``: layers n for the random-weights control, on all classes, with its base.
    ``per_class``: reduced-data runs on all classes (training images kept per class)."""
    if not (frozen or fine_tuned):
        raise ValueError("plan_grid: at least one of frozen and fine_tuned must be planned")
    runs = []
    for seed in random_seeds:
        runs += _split_runs("random", seed, layers, both_directions, frozen, fine_tuned, selffer)
    if natural:
        runs += _split_runs("natural", 0, layers, True, True, False, False)
    if random_frozen or per_class:
        runs.append(Run("all/base", "base", "all", 0))
    runs += [Run(f"all/random{n}", "random-frozen", "all", 0, n=n) for n in random_frozen]
    runs += [Run(f"all/reduced-{count:04d}", "reduced", "all", 0, per_class=count) for count in per_class]
    return runs


def _split_runs(split, seed, layers, both_directions, frozen, fine_tuned, selffer):
    folder = f"random{seed}" if split == "random" else split
    runs = [Run(f"{folder}/base{half}", "base", split, seed, target=half) for half in HALVES]
    targets = HALVES if both_directions else ("B",)
    for n in layers:
        for target in targets:
            other = "A" if target == "B" else "B"
            sources = ((target, "selffer"),) if selffer else ()
            for source, kind in sources + ((other, "transfer"),):
                for tuned in (False, True):
                    if (tuned and not fine_tuned) or (not tuned and not frozen):
                        continue
                    label = f"{source}{n}{target}{'+' if tuned else ''}"
                    runs.append(Run(f"{folder}/{label}", kind, split, seed, target=target, source=source,
                                    n=n, fine_tuned=tuned, parent=f"{folder}/base{source}"))
    return runs


def run_seed(seed, run):
    """A distinct, stable training seed per run (the upper layers' draws differ between runs)."""
    return (seed * 1_000_003 + zlib.crc32(run.name.encode())) % 2**31


def train_arguments(run, out, options):
    """The ``train`` arguments of ``run`` (after the command itself). ``options``: train options
    shared by every run, name → value (``{"data": ..., "preset": "mini", "max-iter": 300}``); a
    None value is left out, True is a bare flag, and "seed" is made distinct per run."""
    out = pathlib.Path(out)
    args = ["--split", run.split]
    if run.split == "random":
        args += ["--split-seed", str(run.split_seed)]
    if run.target:
        args += ["--half", run.target]
    if run.parent:
        args += ["--copy-from", str(weights_path(out, run.parent)), "--n", str(run.n),
                 "--fine-tune" if run.fine_tuned else "--frozen"]
    if run.kind == "random-frozen":
        args += ["--random-frozen", str(run.n)]
    if run.per_class:
        args += ["--per-class", str(run.per_class)]
    for name, value in options.items():
        if value is None or value is False:
            continue
        if name == "seed":
            value = run_seed(int(value), run)
        args += [f"--{name}"] if value is True else [f"--{name}", str(value)]
    return args + ["-o", str(weights_path(out, run.name)), "--resume", "auto"]


def weights_path(out, name):
    """``OUT/random0/A3B.h5``: where the run called ``name`` writes its weights."""
    return pathlib.Path(out) / f"{name}.h5"


def run_dir(out, run):
    """``OUT/random0/A3B.run``: the run's directory (``train`` puts it beside the weights)."""
    return run_dir_for(weights_path(out, run.name))


def default_train_command():
    """How to call ``minitransfer`` from a subprocess: the installed script beside this Python when
    there is one, else the same Python importing the command group."""
    script = pathlib.Path(sys.executable).with_name("minitransfer")
    if script.exists():
        return [str(script), "train"]
    return [sys.executable, "-c", "from minitransfer.cli import main; main(prog_name='minitransfer')", "train"]


def visible_gpus():
    """The GPU ids a scheduler may hand out, one process each: the entries of the parent's
    ``CUDA_VISIBLE_DEVICES`` when set, else 0..count−1 as CuPy counts them; () without a GPU."""
    from minitransfer import cuda

    listed = os.environ.get("CUDA_VISIBLE_DEVICES")
    if listed is not None:
        return tuple(part.strip() for part in listed.split(",") if part.strip() and part.strip() != "-1")
    try:
        return tuple(str(index) for index in range(cuda.cupy().cuda.runtime.getDeviceCount()))
    except cuda.CudaUnavailable:
        return ()


def is_finished(out, run):
    return (run_dir(out, run) / RESULT_FILE).exists() and weights_path(out, run.name).exists()


def write_plan(out, runs, options, train_command):
    """``OUT/experiment.json`` and each run's ``treatment.json`` (the report reads them)."""
    out = pathlib.Path(out)
    out.mkdir(parents=True, exist_ok=True)
    plan = {"format": "minitransfer-experiment", "format_version": 1, "options": options,
            "train_command": list(train_command), "runs": [run.to_json() for run in runs]}
    fileio.write_text(out / PLAN_FILE, json.dumps(plan, indent=2) + "\n")
    for run in runs:
        folder = run_dir(out, run)
        folder.mkdir(parents=True, exist_ok=True)
        fileio.write_text(folder / TREATMENT_FILE, json.dumps(run.to_json(), indent=2) + "\n")


def describe_plan(runs, out, options, train_command):
    """The plan as text, one line per run: status, name, dependency and the train command."""
    lines = [f"{len(runs)} runs in {out} ({sum(is_finished(out, run) for run in runs)} finished):"]
    for run in runs:
        status = "done" if is_finished(out, run) else "todo"
        after = f"  (after {run.parent})" if run.parent else ""
        lines.append(f"  [{status}] {run.name}{after}")
        lines.append("      " + shlex.join(list(train_command) + train_arguments(run, out, options)))
    return "\n".join(lines)


@dataclasses.dataclass
class GridOutcome:
    """What a local run of the grid did: run names per outcome; ``interrupted`` when it stopped on
    Ctrl-C / SIGTERM or a run exited 75 (rerun the same command to go on)."""

    finished: list
    skipped: list
    failed: list
    blocked: list
    interrupted: bool = False

    @property
    def exit_code(self):
        if self.interrupted:
            return EXIT_INTERRUPTED
        return 1 if self.failed or self.blocked else 0


def run_grid(runs, out, options, train_command=None, devices=(None,), log=print, poll_seconds=0.2):
    """Run the grid locally: one process per entry of ``devices`` (a GPU id put in the process's
    ``CUDA_VISIBLE_DEVICES``, or None for the CPU), parents before children. Runs whose result file
    exists are skipped; the others start with ``--resume auto``. Each run's output goes to
    ``OUT/<run>.run/train.log``. Ctrl-C (or SIGTERM) forwards SIGINT to the running trainings, waits for
    them to write their checkpoints and returns an interrupted outcome."""
    train_command = list(train_command or default_train_command())
    write_plan(out, runs, options, train_command)
    outcome = GridOutcome([], [r.name for r in runs if is_finished(out, r)], [], [])
    pending = [r for r in runs if not is_finished(out, r)]
    done = set(outcome.skipped)
    total, started = len(pending), 0
    running = {}  # device -> (run, process, start time)
    if outcome.skipped:
        log(f"{len(outcome.skipped)} of {len(runs)} runs already finished; {total} to run")
    try:
        while pending or running:
            for device in devices:
                if device in running:
                    continue
                ready = next((r for r in pending if r.parent is None or r.parent in done), None)
                if ready is None:
                    break
                pending.remove(ready)
                started += 1
                where = "CPU" if device is None else f"GPU {device}"
                log(f"[{started}/{total}] start {ready.name} on {where}")
                running[device] = (ready, _start(ready, out, options, train_command, device), time.monotonic())
            for device, (run, process, start) in list(running.items()):
                code = process.poll()
                if code is None:
                    continue
                del running[device]
                seconds = time.monotonic() - start
                if code == 0 and is_finished(out, run):
                    done.add(run.name)
                    outcome.finished.append(run.name)
                    log(f"done {run.name} ({seconds:.0f} s){_accuracy_note(out, run)}")
                elif code == EXIT_INTERRUPTED:
                    outcome.interrupted = True
                    log(f"interrupted {run.name} (exit 75, checkpoint written)")
                else:
                    outcome.failed.append(run.name)
                    log(f"FAILED {run.name} (exit {code}); see {run_dir(out, run) / LOG_FILE}")
            if outcome.interrupted:
                raise KeyboardInterrupt
            blocked = _blocked(pending, outcome.failed, outcome.blocked)
            for run in blocked:
                pending.remove(run)
                log(f"not run {run.name}: its parent {run.parent} failed")
            if running:
                time.sleep(poll_seconds)
    except KeyboardInterrupt:
        outcome.interrupted = True
        for run, process, _ in running.values():
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for run, process, _ in running.values():
            process.wait()
        log("interrupted: rerun the same command to finish the grid")
    return outcome


def _start(run, out, options, train_command, device):
    folder = run_dir(out, run)
    folder.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    if device is not None:
        env["CUDA_VISIBLE_DEVICES"] = str(device)
    command = train_command + train_arguments(run, out, options)
    with open(folder / LOG_FILE, "a") as log_file:
        log_file.write(f"$ {shlex.join(command)}\n")
        log_file.flush()
        # A session of its own: Ctrl-C reaches the experiment only, which forwards one SIGINT.
        return subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT, env=env,
                                stdin=subprocess.DEVNULL, start_new_session=True)


def _blocked(pending, failed, blocked):
    gone = set(failed) | set(blocked)
    found = [run for run in pending if run.parent in gone]
    blocked += [run.name for run in found]
    return found


def _accuracy_note(out, run):
    try:
        result = json.loads((run_dir(out, run) / RESULT_FILE).read_text())
    except (OSError, ValueError):
        return ""
    value = result.get("mean10_top1") if isinstance(result, dict) else None
    return f": mean of 10 best {value:.4f}" if isinstance(value, (int, float)) else ""


DEMO_LAYERS = (1, 3, 5)
# 200 iterations with one learning-rate step at 150 (lr 0.01, then 0.001): the mini bases reach
# about 0.75 top-1 on their 10 synthetic classes; 20 evaluations for the mean of the 10 best.
DEMO_TRAIN_OPTIONS = {"preset": "mini", "max-iter": 200, "stepsize": 150, "eval-every": 10, "seed": 0}


def run_demo(out, data, device="cpu", devices=(None,), log=print):
    """The demo grid on dataset ``data`` (the built-in synthetic set): random split seed 0, baseA and
    baseB, then BnB, BnB+, AnB and AnB+ for n in :data:`DEMO_LAYERS`, with the ``mini`` preset and a
    short schedule (:data:`DEMO_TRAIN_OPTIONS`). Returns the :class:`GridOutcome`; rerunning skips
    the finished runs."""
    runs = plan_grid(random_seeds=(0,), layers=DEMO_LAYERS)
    options = dict(DEMO_TRAIN_OPTIONS, data=str(data), device=device)
    return run_grid(runs, out, options, devices=devices, log=log)
