#!/usr/bin/env python3
"""nvcc gate: compile every kernels/*.cu for each target architecture, warnings as errors, and
print each kernel's registers, shared memory, stack frame and spills; fail on any warning,
error, spill or stack frame.

Every dtype instantiation is an ``extern "C"`` entry point, so compiling the file compiles them
all. Without nvcc on PATH the gate says so and exits 0: the kernels are then NOT checked.

    python3 .ci/nvcc_gate.py [--arch sm_90 ...] [kernels/relu.cu ...]
"""

import argparse
import concurrent.futures
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

ARCHS = ("sm_75", "sm_80", "sm_90")
ROOT = pathlib.Path(__file__).resolve().parent.parent
FUNCTION = re.compile(r"Compiling entry function '(\w+)' for '(\w+)'")
FRAME = re.compile(r"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads")
REGISTERS = re.compile(r"Used (\d+) registers")
SHARED = re.compile(r"(\d+) bytes smem")


def compile_kernel(path, arch, scratch):
    cubin = pathlib.Path(scratch) / f"{path.stem}-{arch}.cubin"
    command = ["nvcc", "-std=c++17", f"-arch={arch}", "-cubin", f"-I{path.parent}", "-Xptxas", "-v",
               "-Werror", "all-warnings", "-o", str(cubin), str(path)]
    done = subprocess.run(command, capture_output=True, text=True)
    return path, arch, done.returncode, done.stdout + done.stderr


def resource_rows(log):
    """(kernel, registers, smem bytes, stack bytes, spill stores, spill loads) per entry function."""
    rows, current = [], None
    for line in log.splitlines():
        if match := FUNCTION.search(line):
            current = [match.group(1), None, 0, None, None, None]
            rows.append(current)
        elif current is not None and (match := FRAME.search(line)):
            current[3:6] = [int(v) for v in match.groups()]
        elif current is not None and (match := REGISTERS.search(line)):
            current[1] = int(match.group(1))
            if shared := SHARED.search(line):
                current[2] = int(shared.group(1))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", action="append", help=f"target(s); default {' '.join(ARCHS)}")
    parser.add_argument("files", nargs="*", type=pathlib.Path)
    args = parser.parse_args()
    if shutil.which("nvcc") is None:
        print("nvcc gate: SKIPPED — nvcc is not on PATH, so the kernels were NOT compiled or checked here.")
        return 0
    files = args.files or sorted((ROOT / "kernels").glob("*.cu"))
    archs = args.arch or ARCHS
    if not files:
        print("nvcc gate: no kernels/*.cu found")
        return 1
    failures = []
    with tempfile.TemporaryDirectory() as scratch, concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        jobs = [pool.submit(compile_kernel, path, arch, scratch) for path in files for arch in archs]
        results = sorted((job.result() for job in jobs), key=lambda r: (r[0].name, r[1]))
    print(f"{'file':<28}{'arch':<7}{'kernel':<44}{'regs':>5}{'smem':>7}{'stack':>6}{'spill st':>9}{'spill ld':>9}")
    for path, arch, returncode, log in results:
        if returncode != 0:
            failures.append(f"{path.name} ({arch}): nvcc failed\n{log.strip()}")
            continue
        rows = resource_rows(log)
        if not rows:
            failures.append(f"{path.name} ({arch}): no entry functions found in the ptxas report")
        for kernel, regs, smem, stack, stores, loads in rows:
            print(f"{path.name:<28}{arch:<7}{kernel:<44}{regs!s:>5}{smem:>7}{stack!s:>6}{stores!s:>9}{loads!s:>9}")
            if stack or stores or loads:
                failures.append(f"{path.name} ({arch}): {kernel} uses {stack} bytes of stack frame, "
                                f"{stores}/{loads} bytes of spill stores/loads")
    return verdict("nvcc gate", failures,
                   f"{len(files)} files × {len(archs)} architectures, no warnings, spills or stack frames")


def verdict(gate, failures, passed):
    """Print the gate's verdict, every failure or what ``passed`` means; its exit code."""
    if failures:
        print(f"\n{gate}: FAILED")
        for failure in failures:
            print(" -", failure)
        return 1
    print(f"\n{gate}: OK — {passed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
