"""Time one training iteration (forward, backward, SGD update) per precision, frozen prefix and step
mode, count its kernel launches, and on CUDA race it against PyTorch in the same process (issues 10, 11).

Step modes (``minitransfer.step.TrainingStep``): ``plain``, the unfused kernels (the default); ``fused``,
the lean step (fused kernels, one-launch solver, workspace, no host synchronisation; UNVERIFIED ON
A GPU until this benchmark and benchmarks/gpu_checks.sh have run on one); ``graph``, the lean step
replayed as a CUDA graph. For each: launches per iteration (counted on the launch path, and the
lean step's analytic plan), and on CUDA the median time of each phase (forward, backward, solver)
of eager steps, next to the iteration's median.

Ours: a preset's Net at each ``--precision`` (ieee, tf32x3, tf32; on the CPU the NumPy reference),
baseB and frozen prefixes (A4B, A7B: nothing below the lowest trainable layer runs backward).
PyTorch (CUDA, when installed): the twin of the same net (``torch_caffenet.py``: same layers,
weights, loss and Caffe SGD) on the same batch, already on the GPU, with ``cudnn.benchmark`` on,
in each precision configuration (``ieee``: TF32 off; ``tf32-conv``: PyTorch's default, convolutions
in TF32; ``tf32``: all TF32) and each of ``--torch-variants`` (eager NCHW, channels_last,
torch.compile). Ours in ieee and tf32x3 (float32 accuracy) race PyTorch's ieee; ours in tf32 races
the faster of PyTorch's two TF32 configurations; each against PyTorch's best variant.

Timing: everything is warmed up, then runs in ``--blocks`` interleaved blocks of ``--per-block``
iterations each (drift in clocks or temperature hits every configuration alike); each iteration is
timed between two device synchronisations; the median of all of a configuration's iterations is
reported. A configuration that fails (ours or PyTorch's, while it is built, counted or warmed up) is
left out with its error (ours with the traceback) and the others are timed (``race.py``); the exit
code is then 1 where one of ours failed. On CUDA the tables (with the versions, and each conv / fc
layer's forward and backward per precision) go to ``benchmarks/results/<gpu>-<date>-iteration.{md,json}``.

    python benchmarks/iteration.py --preset mini --batch 64 --device cpu
    python benchmarks/iteration.py --preset caffenet --batch 256 --outputs 1000 --device cuda
    python benchmarks/iteration.py --device cuda --precision tf32 --frozen 0 --torch-variants eager
    python benchmarks/iteration.py --device cuda --modes plain graph --torch-variants
"""

import argparse
import json
import pathlib
import statistics
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from minitransfer import cuda, models, optim  # noqa: E402
from minitransfer.layers import Conv2d, to_device  # noqa: E402
from minitransfer.ops import conv2d, linear  # noqa: E402
from minitransfer.ops import precision as precisions  # noqa: E402
from minitransfer.step import TrainingStep, launch_plan  # noqa: E402
from race import guarded, initialized_net, interleaved_medians  # noqa: E402

TORCH_VARIANTS = ("eager", "channels-last", "compile")
MODES = ("plain", "fused", "graph")
PHASES = ("forward", "backward", "solver")
# Which PyTorch configurations each of our modes races: the same accuracy class.
RIVALS = {"ieee": ("ieee",), "tf32x3": ("ieee",), "tf32": ("tf32-conv", "tf32")}
# Issue 10's targets for one CaffeNet iteration at batch 256 with 1000 outputs (baseB), in ms.
TARGETS_MS = {"ieee": 40.0, "tf32x3": 17.0, "tf32": 10.0}


def network_name(n_frozen):
    return "baseB" if n_frozen == 0 else f"A{n_frozen}B"


def make_batch(net, batch, outputs, device):
    rng = np.random.default_rng(0)
    x = (40 * rng.standard_normal((batch, *net.input_shape))).astype(np.float32)
    labels = rng.integers(0, outputs, batch).astype(np.int32)
    return to_device(x, device), to_device(labels, device)


def our_step(preset, outputs, device, n_frozen, precision, mode):
    """Our net in a training step of ``mode``."""
    net = initialized_net(preset, outputs)
    net.freeze(n_frozen)
    net.to(device, precision=precision)
    return TrainingStep(net, optim.Solver(), seed=0, fused=mode != "plain", cuda_graph=mode == "graph")


def our_runner(step, x, labels):
    """One training iteration of ``step`` after another, as a callable."""
    state = {"iteration": 0}

    def run(marks=None):
        step(x, labels, state["iteration"], marks=marks)
        state["iteration"] += 1

    return run


def launches_per_iteration(run):
    """The kernel launches of one iteration of a warmed-up runner (a graph's: those it replays, counted
    when it was captured, hence from a fresh runner's second iteration)."""
    run()
    with cuda.recording_launches() as launches:
        run()
    return len(launches)


def phase_medians(run, repeat):
    """{phase: median ms} over ``repeat`` eager iterations, from CUDA events between the phases."""
    cp = cuda.cupy()
    samples = {phase: [] for phase in PHASES}
    for _ in range(repeat):
        events = {"start": cp.cuda.Event()}
        events["start"].record()

        def mark(phase):
            events[phase] = cp.cuda.get_current_stream().record()

        run(marks=mark)
        cp.cuda.runtime.deviceSynchronize()
        previous = "start"
        for phase in PHASES:
            samples[phase].append(cp.cuda.get_elapsed_time(events[previous], events[phase]))
            previous = phase
    return {phase: statistics.median(values) for phase, values in samples.items()}


def torch_runner(torch, preset, outputs, n_frozen, configuration, variant, x, labels):
    """One training iteration of the PyTorch twin in ``configuration`` / ``variant``, as a callable."""
    import torch_caffenet

    net = initialized_net(preset, outputs)
    net.freeze(n_frozen)
    model, optimizer = torch_caffenet.build(net, optim.Solver(), torch, device="cuda")
    x = torch.as_tensor(x, device="cuda")
    labels = torch.as_tensor(labels, device="cuda").long()
    if variant == "channels-last":
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    elif variant == "compile":
        model = torch.compile(model)
    step = torch_caffenet.train_step(model, optimizer, torch)

    def run():
        with torch_caffenet.precision(torch, configuration):
            step(x, labels)

    return run


def layer_rows(preset, outputs, precision, x, labels, repeat):
    """Per weight layer of baseB: the median ms of its forward and of its backward in ``precision``."""
    import common

    net = initialized_net(preset, outputs)
    net.to("cuda", precision=precision)
    inputs = {}

    def recording(layer, forward):
        def record(a, run):
            inputs[layer.name] = a
            return forward(a, run)
        return record

    for layer in net.weight_layers:
        layer.forward = recording(layer, layer.forward)
    net.forward(x, labels, train=False)
    rows = []
    for position, layer in enumerate(net.weight_layers):
        a, w, b = inputs[layer.name], layer.weight.data, layer.bias.data
        if isinstance(layer, Conv2d):
            def forward(a=a, w=w, b=b, layer=layer):
                return conv2d.forward(a, w, b, layer.stride, layer.pad, layer.groups, precision=precision)
            op = conv2d
        else:
            def forward(a=a, w=w, b=b):
                return linear.forward(a, w, b, precision=precision)
            op = linear
        y, cache = forward()
        dy = cuda.cupy().ones_like(y)
        rows.append({"precision": precision, "layer": layer.name, "input": "x".join(map(str, a.shape)),
                     "forward_ms": common.median_ms(forward, warmup=3, repeat=repeat, flush_l2=False),
                     "backward_ms": common.median_ms(lambda: op.backward(dy, cache, need_dx=position > 0),
                                                     warmup=3, repeat=repeat, flush_l2=False)})
    return rows


def race(args, device, torch, n_frozen, x, labels):
    """Rows of one network (frozen prefix): ours per precision and step mode (with its launches per
    iteration and, on CUDA, its phases), PyTorch per configuration and variant."""
    runners, extra, failures = {}, {}, {}
    for precision in args.precision:
        for mode in args.modes:
            name = f"ours {precision} {mode}"

            def ours(precision=precision, mode=mode, name=name):
                run = our_runner(our_step(args.preset, args.outputs, device, n_frozen, precision, mode), x, labels)
                if device == "cuda":
                    extra[name] = {"launches": launches_per_iteration(run)}
                    if mode != "graph" and args.phase_repeat:
                        extra[name]["phases_ms"] = phase_medians(run, args.phase_repeat)
                return run

            run = guarded(name, failures, ours)
            if run is not None:
                runners[name] = run
    if torch is not None:
        for configuration in sorted({rival for mode in args.precision for rival in RIVALS[mode]}):
            for variant in args.torch_variants:
                if variant == "compile" and args.compile_frozen is not None and n_frozen not in args.compile_frozen:
                    continue
                name = f"torch {configuration} {variant}"
                run = guarded(name, failures, lambda configuration=configuration, variant=variant: torch_runner(
                    torch, args.preset, args.outputs, n_frozen, configuration, variant, x, labels))
                if run is not None:
                    runners[name] = run
    synchronize = cuda.cupy().cuda.runtime.deviceSynchronize if device == "cuda" else (lambda: None)
    medians = interleaved_medians(runners, synchronize, args.warmup, args.blocks, args.per_block, failures)
    return [{"network": network_name(n_frozen), "who": name, "ms": ms, **extra.get(name, {})}
            for name, ms in medians.items()] + [{"network": network_name(n_frozen), "who": name, "ms": None,
                                                 "failed": error} for name, error in failures.items()]


def head_to_head(rows, args):
    """Per network, precision and step mode of ours: our ms, launches, PyTorch's best rival
    (configuration, variant), ratio, target."""
    table = []
    for network in dict.fromkeys(row["network"] for row in rows):
        timed = {row["who"]: row for row in rows if row["network"] == network and row["ms"] is not None}
        for precision in args.precision:
            rivals = {who: row["ms"] for who, row in timed.items()
                      if who.startswith("torch ") and who.split()[1] in RIVALS[precision]}
            best = min(rivals, key=rivals.get) if rivals else None
            target = TARGETS_MS[precision] if (network, args.preset, args.batch, args.outputs) == \
                ("baseB", "caffenet", 256, 1000) else None
            for mode in args.modes:
                ours = timed.get(f"ours {precision} {mode}", {"ms": None})  # None: it failed
                ratio = ours["ms"] / rivals[best] if best and ours["ms"] is not None else None
                table.append({"network": network, "precision": precision, "mode": mode, "ours_ms": ours["ms"],
                              "launches": ours.get("launches"), "torch_best": best[len("torch "):] if best else None,
                              "torch_ms": rivals.get(best), "ratio": ratio, "target_ms": target,
                              "meets_target": None if target is None or ours["ms"] is None else ours["ms"] <= target})
    return table


def markdown(table, rows, layers, info, args):
    def cell(value):
        return "—" if value is None else f"{value:.2f}" if isinstance(value, float) else str(value)

    lines = [f"# One training iteration, ours against PyTorch, on {info.get('gpu', args.device)}", ""]
    lines += [f"- {key}: {value}" for key, value in info.items()]
    lines += [f"- preset {args.preset}, batch {args.batch}, {args.outputs} outputs; medians of "
              f"{args.blocks}×{args.per_block} iterations in interleaved blocks", "",
              "Ratio = ours / PyTorch's best of the same accuracy class (below 1 we are faster): ours in ieee "
              "and tf32x3 against PyTorch with TF32 off, ours in tf32 against PyTorch's TF32 configurations.", "",
              "| network | precision | step | launches | ours ms | PyTorch best | PyTorch ms | ratio | target ms | "
              "target met |", "|---|---|---|---|---|---|---|---|---|---|"]
    lines += ["| " + " | ".join(cell(row[key]) for key in ("network", "precision", "mode", "launches", "ours_ms",
                                                            "torch_best", "torch_ms", "ratio", "target_ms",
                                                            "meets_target")) + " |" for row in table]
    lines += ["", "Every configuration timed (ours: launches per iteration, and the medians of each phase of eager "
              "steps; a graph has no phases):", "",
              "| network | who | ms | launches | forward ms | backward ms | solver ms |",
              "|---|---|---|---|---|---|---|"]
    lines += [f"| {row['network']} | {row['who']} | {_ms_or_failure(row)} | {cell(row.get('launches'))} | "
              + " | ".join(cell(row.get("phases_ms", {}).get(phase)) for phase in PHASES) + " |" for row in rows]
    if layers:
        lines += ["", "Our layers in baseB (forward; backward with the input gradient except for the first layer):", "",
                  "| precision | layer | input | forward ms | backward ms |", "|---|---|---|---|---|"]
        lines += [f"| {r['precision']} | {r['layer']} | {r['input']} | {r['forward_ms']:.3f} | {r['backward_ms']:.3f} |"
                  for r in layers]
    return "\n".join(lines) + "\n"


def _ms_or_failure(row):
    return f"{row['ms']:.2f}" if row["ms"] is not None else "failed: " + row["failed"].replace("|", "/")


def parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", choices=sorted(models.PRESETS), default="caffenet")
    parser.add_argument("--batch", type=int, default=None, help="batch size (default: the preset's)")
    parser.add_argument("--outputs", type=int, default=1000, help="fc8 outputs (default 1000)")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cuda")
    parser.add_argument("--precision", nargs="+", choices=precisions.PRECISIONS, default=None,
                        help="our modes to time (default: all three on CUDA, ieee on the CPU); "
                             "tf32x3 and tf32 are unverified on a GPU")
    parser.add_argument("--modes", nargs="+", choices=MODES, default=None,
                        help="our step modes (default: all three on CUDA, plain on the CPU, where the lean step "
                             "is the NumPy reference too); fused and graph are unverified on a GPU")
    parser.add_argument("--phase-repeat", type=int, default=10,
                        help="eager iterations timed phase by phase per mode (CUDA; 0: none)")
    parser.add_argument("--frozen", type=int, nargs="+", default=[0, 4, 7], help="frozen prefixes (0 = baseB)")
    parser.add_argument("--torch-variants", nargs="*", choices=TORCH_VARIANTS, default=list(TORCH_VARIANTS),
                        help="PyTorch variants to race (none: ours only)")
    parser.add_argument("--compile-frozen", type=int, nargs="*", default=None,
                        help="frozen prefixes that race torch.compile too (default: all; compiling costs minutes)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--blocks", type=int, default=5)
    parser.add_argument("--per-block", type=int, default=10)
    parser.add_argument("--layer-repeat", type=int, default=20, help="runs per layer in the per-layer table (0: none)")
    parser.add_argument("--results", default="benchmarks/results", help="folder for the tables (CUDA only)")
    args = parser.parse_args(argv)
    args.batch = args.batch or models.PRESETS[args.preset].batch_size
    return args


def main(argv=None):
    args = parse(argv)
    device = args.device
    if device == "cuda" and not cuda.cuda_available():
        try:
            cuda.cupy()
            reason = "no usable CUDA device"
        except cuda.CudaUnavailable as error:
            reason = str(error)
        print(f"iteration: {reason}: nothing to time on a GPU, and the head-to-head with PyTorch needs one; "
              "--device cpu --preset mini times our NumPy path", file=sys.stderr)
        return 1
    args.precision = args.precision or (list(precisions.PRECISIONS) if device == "cuda" else ["ieee"])
    args.modes = args.modes or (list(MODES) if device == "cuda" else ["plain"])
    torch = None
    if device == "cuda" and args.torch_variants:
        import common

        torch = common.torch_cuda()
        if torch is None:
            print("iteration: PyTorch with CUDA is not installed: timing ours only")
        else:
            torch.backends.cudnn.benchmark = True
    net = models.PRESETS[args.preset].build(args.outputs)
    x, labels = make_batch(net, args.batch, args.outputs, device)
    print(f"{args.preset}, batch {args.batch}, {args.outputs} outputs, {device}, "
          f"medians of {args.blocks}x{args.per_block} interleaved iterations", flush=True)
    write = tables_writer(args, torch) if device == "cuda" else (lambda rows, layers: None)
    rows = []
    for n_frozen in args.frozen:
        print(f"  {network_name(n_frozen)}", flush=True)
        rows += race(args, device, torch, n_frozen, x, labels)
        write(rows, [])
    for row in rows:
        counted = "" if "launches" not in row else f"{row['launches']:5d} launches  "
        phases = " ".join(f"{phase} {ms:.2f}" for phase, ms in row.get("phases_ms", {}).items())
        print(f"  {row['network']:<6} {row['who']:<32} {counted}{phases + ' | ' if phases else ''}"
              + (f"{row['ms']:9.2f} ms" if row["ms"] is not None else f"failed: {row['failed']}"))
    for n_frozen in args.frozen:
        net = models.PRESETS[args.preset].build(args.outputs)
        net.freeze(n_frozen)
        for sm_count in sorted({132, cuda.sm_count() if device == "cuda" else 132}):
            print(f"  {network_name(n_frozen):<6} lean step's launch plan on {sm_count} SMs: "
                  f"{len(launch_plan(net, args.batch, sm_count))} launches")
    table = head_to_head(rows, args) if torch is not None else []
    for row in (row for row in table if row["ours_ms"] is not None and row["torch_ms"] is not None):
        print(f"  {row['network']:<6} ours {row['precision']:<7} {row['mode']:<6} {row['ours_ms']:8.2f} ms "
              f"({row['launches']} launches) against torch {row['torch_best']} {row['torch_ms']:8.2f} ms: ratio "
              f"{row['ratio']:.2f}" + ("" if row["target_ms"] is None else f", target {row['target_ms']} ms "
                                         f"{'met' if row['meets_target'] else 'MISSED'}"))
    failed = sorted({row["who"] for row in rows if row["ms"] is None and row["who"].startswith("ours ")})
    if failed:
        print(f"iteration: failed, left out of the tables: {', '.join(failed)} (the tracebacks above)")
    if device != "cuda":
        return 1 if failed else 0
    layers = [row for mode in args.precision
              for row in layer_rows(args.preset, args.outputs, mode, x, labels, args.layer_repeat)] \
        if args.layer_repeat else []
    write(rows, layers)
    return 1 if failed else 0


def tables_writer(args, torch):
    """``write(rows, layers)``: the tables of the networks timed so far into ``--results`` (replaced at
    each call), so a run stopped at its time limit (benchmarks/gpu_checks.sh) keeps the finished ones."""
    import common

    info = common.device_info()
    folder = pathlib.Path(args.results)
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / f"{common._slug(info['gpu'])}-{info['date']}-iteration"

    def write(rows, layers):
        table = head_to_head(rows, args) if torch is not None else []
        stem.with_suffix(".json").write_text(json.dumps({"info": info, "args": vars(args), "head_to_head": table,
                                                         "timed": rows, "layers": layers}, indent=2) + "\n")
        stem.with_suffix(".md").write_text(markdown(table, rows, layers, info, args))
        print(f"wrote {stem}.md and .json ({len(dict.fromkeys(row['network'] for row in rows))} networks"
              f"{', the layers' if layers else ''})", flush=True)

    return write


if __name__ == "__main__":
    sys.exit(main())
