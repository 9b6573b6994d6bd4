"""benchmarks/torch_caffenet.precision against PyTorch's (>= 2.9) two sets of TF32 flags, on the CPU: a
stand-in that keeps them as ATen's Context does (aten/src/ATen/Context.cpp: the older ``allow_tf32``
getters raise "mix of the legacy and new APIs" when the newer ``fp32_precision`` flags were set alone).
Inductor reads ``torch.backends.cuda.matmul.allow_tf32`` while it compiles a matmul (pytorch/pytorch#166387):
with only the newer flags set, torch.compile in "tf32" raised and the race of iteration.py with it."""

import pathlib
import sys
import types

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "benchmarks"))
import torch_caffenet  # noqa: E402


class Context:
    """ATen's TF32 state: the older (matmul precision, cuDNN bool) and the newer (per backend and op)."""

    def __init__(self):
        self.matmul_precision = "highest"  # PyTorch's defaults
        self.cudnn_tf32 = True
        self.new = {"matmul": "none", "conv": "tf32", "rnn": "tf32"}

    def uses_tf32(self, op):
        """What a kernel reads: the newer flag (its "none" falls back to the generic "none": no TF32)."""
        return self.new[op] == "tf32"

    def allow_tf32_cublas(self):
        if (self.matmul_precision != "highest") != self.uses_tf32("matmul"):
            raise RuntimeError("mix of the legacy and new APIs to set the TF32 status for cublas matmul")
        return self.uses_tf32("matmul")

    def set_allow_tf32_cublas(self, value):
        self.matmul_precision = "high" if value else "highest"
        self.new["matmul"] = "tf32" if value else "ieee"

    def allow_tf32_cudnn(self):
        if not self.uses_tf32("rnn") == self.uses_tf32("conv") == self.cudnn_tf32:
            raise RuntimeError("mix of the legacy and new APIs to set the TF32 flags (cuDNN)")
        return self.cudnn_tf32

    def set_allow_tf32_cudnn(self, value):
        self.new["rnn"] = self.new["conv"] = "tf32" if value else "none"
        self.cudnn_tf32 = value


def fake_torch():
    context = Context()

    def newer(op):
        return property(lambda self: context.new[op], lambda self, value: context.new.__setitem__(op, value))

    flag = type("Flag", (), {"fp32_precision": newer("conv")})
    cudnn = type("Cudnn", (), {"allow_tf32": property(lambda self: context.allow_tf32_cudnn(),
                                                      lambda self, value: context.set_allow_tf32_cudnn(value)),
                               "conv": flag(), "rnn": type("Flag", (), {"fp32_precision": newer("rnn")})()})()
    matmul = type("Matmul", (), {"allow_tf32": property(lambda self: context.allow_tf32_cublas(),
                                                        lambda self, value: context.set_allow_tf32_cublas(value)),
                                 "fp32_precision": newer("matmul")})()
    torch = types.SimpleNamespace(backends=types.SimpleNamespace(cudnn=cudnn,
                                                                 cuda=types.SimpleNamespace(matmul=matmul)))
    return torch, context


@pytest.mark.parametrize("name", sorted(torch_caffenet.TORCH_PRECISIONS))
def test_each_precision_leaves_every_tf32_flag_readable_and_restores_them(name):
    torch, context = fake_torch()
    conv_tf32, matmul_tf32 = torch_caffenet.TORCH_PRECISIONS[name]
    with torch_caffenet.precision(torch, name):
        assert (context.uses_tf32("conv"), context.uses_tf32("matmul")) == (conv_tf32, matmul_tf32)
        # what inductor and cuDNN's frontends read: raised for "tf32" (matmul) and "ieee" (cuDNN)
        assert torch.backends.cuda.matmul.allow_tf32 is matmul_tf32
        assert torch.backends.cudnn.allow_tf32 is conv_tf32
    assert (context.uses_tf32("conv"), context.uses_tf32("matmul")) == (True, False)
    assert torch.backends.cuda.matmul.allow_tf32 is False and torch.backends.cudnn.allow_tf32 is True
