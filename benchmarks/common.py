"""The benchmark harness core: validate, then time (DESIGN.md §9).

Every benchmark module builds *rows* — one dict per kernel and direction — and hands them to
:func:`print_table` and :func:`write_results`. A row has the keys of :data:`ROW_KEYS`:

    name         what was timed, e.g. "gemm 4096x4096x4096" or "fc6"
    direction    "forward", "backward-data", "backward-filter", "nn", "nt", "tn", ...
    shape        a short text, e.g. "256x9216 -> 4096"
    flop         floating-point operations of one run (a multiply-add counts 2)
    ms           our median time
    tflops       flop / ms, in TFLOP/s
    ms_ref_fp32  the reference's median time in IEEE fp32 (TF32 off), or None
    ms_ref_tf32  the reference's median time with TF32 on, or None
    ratio_fp32   ms / ms_ref_fp32 (> 1 means we are slower), or None
    ratio_tf32   ms / ms_ref_tf32, or None
    error        relative error ‖ours − ref‖ / ‖ref‖ against the float64 reference
    reference    who the reference is: "cuBLAS", "cuDNN", "torch", ...

Timing (:func:`median_ms`): CUDA events around each repeat, L2 flushed before each repeat
(outside the event pair), warm-up first, the median reported.

The modules next to this one import it as ``common`` (``python benchmarks/kernels.py`` puts
``benchmarks/`` on ``sys.path``).
"""

import contextlib
import datetime
import json
import math
import pathlib
import sys
import re
import statistics

import numpy as np

ROW_KEYS = (
    "name", "direction", "shape", "flop", "ms", "tflops", "ms_ref_fp32", "ms_ref_tf32",
    "ratio_fp32", "ratio_tf32", "error", "reference",
)

_flush_buffers = {}


def _cupy():
    from minitransfer import cuda

    return cuda.cupy()


def _l2_flush_buffer(cp):
    """A device buffer of at least twice the L2 size (one per device, allocated once)."""
    device = cp.cuda.Device().id
    if device not in _flush_buffers:
        l2_bytes = cp.cuda.runtime.getDeviceProperties(device)["l2CacheSize"]
        _flush_buffers[device] = cp.empty(max(2 * int(l2_bytes), 1 << 20) // 4, dtype=cp.float32)
    return _flush_buffers[device]


def median_ms(run, *, warmup=5, repeat=25, flush_l2=True):
    """Median wall time in milliseconds of ``run()``, which enqueues GPU work on the current stream.

    Each timed repeat is bracketed by two CUDA events; when ``flush_l2`` is true a buffer twice
    the L2 size is overwritten before the first event, so every repeat starts with a cold L2.
    """
    cp = _cupy()
    flush = _l2_flush_buffer(cp) if flush_l2 else None
    for _ in range(warmup):
        run()
    start, end = cp.cuda.Event(), cp.cuda.Event()
    times = []
    for _ in range(repeat):
        if flush is not None:
            flush.fill(0)
        start.record()
        run()
        end.record()
        end.synchronize()
        times.append(cp.cuda.get_elapsed_time(start, end))
    return statistics.median(times)


def tflops(flop, ms):
    """TFLOP/s achieved by ``flop`` operations in ``ms`` milliseconds."""
    return flop / (ms * 1e-3) / 1e12


def _to_numpy_float64(a):
    if type(a).__module__.split(".")[0] == "torch":
        return a.detach().double().cpu().numpy()
    if type(a).__module__.split(".")[0] == "cupy":
        return a.get().astype(np.float64)
    return np.asarray(a, dtype=np.float64)


def relative_error(a, ref):
    """‖a − ref‖ / ‖ref‖ in float64; ``a`` and ``ref`` may be NumPy, CuPy or torch arrays."""
    a, ref = _to_numpy_float64(a), _to_numpy_float64(ref)
    if a.shape != ref.shape:
        raise ValueError(f"relative_error: shapes differ, {a.shape} vs {ref.shape}")
    norm = np.linalg.norm(ref)
    return float(np.linalg.norm(a - ref) / norm) if norm > 0 else float(np.linalg.norm(a))


def torch_cuda():
    """The ``torch`` module when it imports and sees a CUDA device, else None (optional reference)."""
    try:
        import torch
    except ImportError:
        return None
    return torch if torch.cuda.is_available() else None


@contextlib.contextmanager
def cudnn_mode(torch, tf32):
    """Within the block, cuDNN convolutions and cuBLAS matmuls in torch use TF32 iff ``tf32``
    (through torch_caffenet.precision, which keeps PyTorch's older and newer TF32 flags in step)."""
    import torch_caffenet

    with torch_caffenet.precision(torch, "tf32" if tf32 else "ieee"):
        yield


def _cuda_version(number):
    return f"{number // 1000}.{number % 1000 // 10}"


def device_info():
    """GPU name, SM count, driver and CUDA runtime versions, CuPy / torch / cuDNN versions, date."""
    cp = _cupy()
    device = cp.cuda.Device().id
    properties = cp.cuda.runtime.getDeviceProperties(device)
    name = properties["name"]
    info = {
        "gpu": name.decode() if isinstance(name, bytes) else str(name),
        "sm_count": int(properties["multiProcessorCount"]),
        "compute_capability": f"{properties['major']}.{properties['minor']}",
        "l2_bytes": int(properties["l2CacheSize"]),
        "driver": _cuda_version(cp.cuda.runtime.driverGetVersion()),
        "cuda_runtime": _cuda_version(cp.cuda.runtime.runtimeGetVersion()),
        "cupy": cp.__version__,
        "date": datetime.date.today().isoformat(),
    }
    torch = torch_cuda()
    if torch is not None:
        info["torch"] = torch.__version__
        info["cudnn"] = str(torch.backends.cudnn.version())
    return info


def _slug(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _cell(value):
    if value is None:
        return "—"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e6):
            return f"{value:.2e}"
        return f"{value:.3f}"
    return str(value)


_COLUMNS = (
    ("name", "name"), ("direction", "direction"), ("shape", "shape"), ("ms", "ms"),
    ("tflops", "TFLOP/s"), ("ms_ref_fp32", "ref fp32 ms"), ("ratio_fp32", "ratio fp32"),
    ("ms_ref_tf32", "ref tf32 ms"), ("ratio_tf32", "ratio tf32"), ("error", "rel. error"),
    ("reference", "reference"),
)


def markdown_table(rows):
    """The rows as a Markdown table (ratios are ours / reference: > 1 means slower)."""
    lines = ["| " + " | ".join(title for _, title in _COLUMNS) + " |",
             "|" + "---|" * len(_COLUMNS)]
    for row in rows:
        lines.append("| " + " | ".join(_cell(row.get(key)) for key, _ in _COLUMNS) + " |")
    return "\n".join(lines)


def print_table(rows):
    """Print the rows as an aligned text table."""
    cells = [[title for _, title in _COLUMNS]]
    cells += [[_cell(row.get(key)) for key, _ in _COLUMNS] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(_COLUMNS))]
    for index, line in enumerate(cells):
        print("  ".join(text.ljust(width) for text, width in zip(line, widths)).rstrip())
        if index == 0:
            print("  ".join("-" * width for width in widths))


def write_results(rows, info, folder="benchmarks/results", tag=""):
    """Write ``<gpu-slug>-<YYYY-MM-DD>[-<tag>].json`` and ``.md`` into ``folder``; return both paths."""
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{_slug(info.get('gpu', 'gpu'))}-{info.get('date', datetime.date.today().isoformat())}"
    stem = f"{stem}-{tag}" if tag else stem
    json_path, md_path = folder / f"{stem}.json", folder / f"{stem}.md"
    json_path.write_text(json.dumps({"info": info, "rows": rows}, indent=2) + "\n")
    header = [f"# minitransfer kernels on {info.get('gpu', 'unknown GPU')}", ""]
    header += [f"- {key}: {value}" for key, value in info.items()]
    header += ["", "Ratios are our time / the reference's time: above 1 we are slower.", ""]
    md_path.write_text("\n".join(header) + "\n" + markdown_table(rows) + "\n")
    return json_path, md_path


def make_row(name, direction, shape, flop, ms, error, reference, ms_ref_fp32=None, ms_ref_tf32=None):
    """A row with the derived fields (TFLOP/s, ratios) filled in."""
    return {
        "name": name,
        "direction": direction,
        "shape": shape,
        "flop": int(flop),
        "ms": ms,
        "tflops": tflops(flop, ms) if ms else None,
        "ms_ref_fp32": ms_ref_fp32,
        "ms_ref_tf32": ms_ref_tf32,
        "ratio_fp32": ms / ms_ref_fp32 if ms and ms_ref_fp32 else None,
        "ratio_tf32": ms / ms_ref_tf32 if ms and ms_ref_tf32 else None,
        "error": error,
        "reference": reference,
    }


def gpu_or_message(name):
    """True when CuPy sees a GPU; otherwise one line on stderr saying why ``name`` has nothing to
    time (the caller exits 1), never a traceback."""
    from minitransfer import cuda

    try:
        cuda.cupy()
    except cuda.CudaUnavailable as error:
        print(f"{name}: nothing to benchmark: {error}", file=sys.stderr)
        return False
    return True
