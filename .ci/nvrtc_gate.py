#!/usr/bin/env python3
"""NVRTC gate: compile every kernels/*.cu the way the CUDA backend does at run time, with NVRTC,
and fail on any error or warning.

The nvcc gate compiles the files as they are on disk, with the host compiler's headers; at run
time CuPy hands NVRTC one string per file, minitransfer.cuda.kernel_source (the local headers
inlined), with minitransfer.cuda.COMPILE_OPTIONS and the -ftz=true that CuPy adds. The two differ:
a header's unused constant, silent under nvcc, is a warning in the inlined string, and NVRTC has no
host headers. So this gate compiles exactly that string, for each target architecture, with the
libnvrtc of the nvidia-cuda-nvrtc wheel (``pip install nvidia-cuda-nvrtc``; CuPy's cuda13x build
uses the same library). Without libnvrtc it says so and exits 0: the kernels are then NOT checked.

    python3 .ci/nvrtc_gate.py [--arch sm_90 ...] [--lib path/to/libnvrtc.so.13] [stem ...]
"""

import argparse
import concurrent.futures
import ctypes
import ctypes.util
import os
import pathlib
import sys
import time

ARCHS = ("sm_75", "sm_80", "sm_90")
CUPY_OPTIONS = ("-ftz=true",)  # what CuPy adds to every RawModule's options
ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from minitransfer import cuda  # noqa: E402  (the checkout's, whatever is installed)
from nvcc_gate import verdict  # noqa: E402  (beside this file)


def find_libnvrtc():
    """libnvrtc from an installed nvidia-cuda-nvrtc wheel (nvidia/cu13/lib), else the system's."""
    for folder in map(pathlib.Path, sys.path):
        for found in sorted((folder / "nvidia").glob("cu*/lib/libnvrtc.so.*")):
            return str(found)
    return ctypes.util.find_library("nvrtc")


class Nvrtc:
    """The few NVRTC calls the gate needs (nvrtc.h), through ctypes."""

    def __init__(self, path):
        self.lib = ctypes.CDLL(path)
        self.lib.nvrtcGetErrorString.restype = ctypes.c_char_p

    def version(self):
        major, minor = ctypes.c_int(), ctypes.c_int()
        self._check(self.lib.nvrtcVersion(ctypes.byref(major), ctypes.byref(minor)), "nvrtcVersion")
        return f"{major.value}.{minor.value}"

    def compile(self, source, name, options):
        """(succeeded, log, cubin bytes) of ``source`` compiled with ``options``."""
        program = ctypes.c_void_p()
        self._check(self.lib.nvrtcCreateProgram(ctypes.byref(program), source.encode(), name.encode(), 0, None, None),
                    "nvrtcCreateProgram")
        try:
            encoded = [option.encode() for option in options]
            status = self.lib.nvrtcCompileProgram(program, len(encoded), (ctypes.c_char_p * len(encoded))(*encoded))
            size = ctypes.c_size_t()
            self._check(self.lib.nvrtcGetProgramLogSize(program, ctypes.byref(size)), "nvrtcGetProgramLogSize")
            log = ctypes.create_string_buffer(size.value)
            self._check(self.lib.nvrtcGetProgramLog(program, log), "nvrtcGetProgramLog")
            cubin = b""
            if status == 0:
                self._check(self.lib.nvrtcGetCUBINSize(program, ctypes.byref(size)), "nvrtcGetCUBINSize")
                buffer = ctypes.create_string_buffer(size.value)
                self._check(self.lib.nvrtcGetCUBIN(program, buffer), "nvrtcGetCUBIN")
                cubin = buffer.raw
            return status == 0, log.value.decode(errors="replace").strip(), cubin
        finally:
            self.lib.nvrtcDestroyProgram(ctypes.byref(program))

    def _check(self, status, call):
        if status != 0:
            raise RuntimeError(f"{call}: {self.lib.nvrtcGetErrorString(status).decode()}")


def compile_stem(nvrtc, stem, arch):
    """(stem, arch, seconds, failure or None, cubin bytes) of kernels/<stem>.cu for ``arch``."""
    started = time.perf_counter()
    options = cuda.COMPILE_OPTIONS + CUPY_OPTIONS + (f"-arch={arch}",)
    succeeded, log, cubin = nvrtc.compile(cuda.kernel_source(stem), f"{stem}.cu", options)
    failure = None
    if not succeeded:
        failure = f"{stem}.cu ({arch}): NVRTC failed with {' '.join(options)}\n{log}"
    elif log:
        failure = f"{stem}.cu ({arch}): NVRTC warned with {' '.join(options)}\n{log}"
    return stem, arch, time.perf_counter() - started, failure, len(cubin)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", action="append", help=f"target(s); default {' '.join(ARCHS)}")
    parser.add_argument("--lib", help="libnvrtc to use (default: an installed nvidia-cuda-nvrtc wheel's)")
    parser.add_argument("stems", nargs="*", help="kernel files by stem (default: every kernels/*.cu)")
    args = parser.parse_args()
    path = args.lib or find_libnvrtc()
    if path is None:
        print("NVRTC gate: SKIPPED — no libnvrtc found (pip install nvidia-cuda-nvrtc), so the kernels were "
              "NOT compiled as the CUDA backend compiles them.")
        return 0
    nvrtc = Nvrtc(path)
    stems = args.stems or sorted(p.stem for p in cuda.kernels_dir().glob("*.cu"))
    archs = args.arch or ARCHS
    print(f"NVRTC {nvrtc.version()} ({path}), options {' '.join(cuda.COMPILE_OPTIONS + CUPY_OPTIONS)} -arch=...")
    # NVRTC compiles in the calling thread and releases the GIL: threads use every core.
    with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        jobs = [pool.submit(compile_stem, nvrtc, stem, arch) for stem in stems for arch in archs]
        results = sorted((job.result() for job in jobs), key=lambda r: (r[0], r[1]))
    print(f"{'file':<28}{'arch':<7}{'seconds':>8}{'cubin bytes':>13}")
    failures = []
    for stem, arch, seconds, failure, size in results:
        print(f"{stem + '.cu':<28}{arch:<7}{seconds:>8.1f}{size:>13}{'  FAILED' if failure else ''}")
        if failure:
            failures.append(failure)
    return verdict("NVRTC gate", failures, f"{len(stems)} files × {len(archs)} architectures, no errors or warnings")


if __name__ == "__main__":
    sys.exit(main())
