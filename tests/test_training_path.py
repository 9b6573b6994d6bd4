"""No vendor matrix library in the training path (issue: CUDA backend II, DESIGN.md §4).

Matrix products appear only in the NumPy reference functions (named ``_*_reference``), which the
ops run for NumPy arrays alone; the CuPy path goes through our GEMM and convolution kernels. This
scans every module of the installed ``minitransfer`` package, so a ``cupy.matmul`` or an ``@``
slipped into a launcher, a layer or the training loop fails here, on machines without a GPU too.
"""

import ast
import pathlib
import subprocess
import sys

import pytest

import minitransfer

PRODUCT_CALLS = {"matmul", "dot", "vdot", "tensordot", "einsum", "inner", "outer", "kron"}
FORBIDDEN_NAMES = ("cublas", "cudnn", "torch")
PACKAGE = pathlib.Path(minitransfer.__file__).resolve().parent
SOURCES = sorted(path for path in PACKAGE.rglob("*.py") if "cli" not in path.relative_to(PACKAGE).parts)
# modules no training imports, whose NumPy products run on the host alone (checked below: a training's
# modules must not import them)
OUTSIDE_TRAINING = {
    "data/near_copies.py": "minitransfer.data.near_copies",  # prepare overlap: two datasets' thumbnails compared
}


def _matrix_products(tree):
    """(line, enclosing function name or None) of every matrix product in a module."""
    found = []

    def visit(node, function):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            function = node.name
        is_matmul_operator = isinstance(node, (ast.BinOp, ast.AugAssign)) and isinstance(node.op, ast.MatMult)
        is_product_call = (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                           and node.func.attr in PRODUCT_CALLS)
        if is_matmul_operator or is_product_call:
            found.append((node.lineno, function))
        for child in ast.iter_child_nodes(node):
            visit(child, function)

    visit(tree, None)
    return found


@pytest.mark.parametrize("path", SOURCES, ids=[str(p.relative_to(PACKAGE)) for p in SOURCES])
def test_matrix_products_only_in_numpy_references(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    outside = [(line, function) for line, function in _matrix_products(tree)
               if not (function or "").endswith("_reference")
               and str(path.relative_to(PACKAGE)) not in OUTSIDE_TRAINING]
    assert not outside, f"{path.name}: matrix products outside a _*_reference function at {outside}"


@pytest.mark.parametrize("path", SOURCES, ids=[str(p.relative_to(PACKAGE)) for p in SOURCES])
def test_no_vendor_library_is_named(path):
    code_lines = [line for line in path.read_text().lower().splitlines() if not line.lstrip().startswith("#")]
    for name in FORBIDDEN_NAMES:
        hits = [line.strip() for line in code_lines if f"import {name}" in line or f"{name}." in line]
        assert not hits, f"{path.name} uses {name}: {hits}"


def test_the_scan_sees_the_references():
    """The scan must find the reference products, else it proves nothing (conv2d's and linear's
    references multiply through ops/precision.py's matmul_reference, in each precision mode)."""
    conv = PACKAGE / "ops" / "precision.py"
    functions = {function for _, function in _matrix_products(ast.parse(conv.read_text()))}
    assert functions and all(function.endswith("_reference") for function in functions)


def test_no_training_imports_the_modules_left_out_of_the_scan():
    """The modules OUTSIDE_TRAINING leaves out of the scan are not imported by what trains: the training
    loop, a grid's runner, the step and the ops (a fresh interpreter: nothing imported before)."""
    training = ["minitransfer.train", "minitransfer.training_run", "minitransfer.grid_runner", "minitransfer.step",
                "minitransfer.ops", "minitransfer.net", "minitransfer.evaluate"]
    code = (f"import sys\nfor name in {training!r}: __import__(name)\n"
            f"print(sorted(m for m in {sorted(OUTSIDE_TRAINING.values())!r} if m in sys.modules))")
    said = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert said.strip() == "[]"
