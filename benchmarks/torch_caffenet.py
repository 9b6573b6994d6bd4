"""A PyTorch twin of a minitransfer ``Net`` for the head-to-head of ``benchmarks/iteration.py``.

The same layers in the same order (grouped convolutions, max pooling with Caffe's ceil rule, LRN
after the pool with α divided by the window, inverted dropout), the same weights, the mean softmax
cross-entropy, and Caffe's momentum SGD: weights at lr·1 with weight decay, biases at lr·2 without
(PyTorch's ``V = μV + g; W −= lr·V`` equals Caffe's ``V = μV + lr·g; W −= V`` at a fixed rate).
Frozen layers get ``requires_grad = False`` and no optimizer slot, so autograd runs nothing below
the lowest trainable layer, as our Net. Dropout draws its own masks (PyTorch's generator): the
same semantics, not the same bits. tests/ops/test_against_torch.py checks the twin against our
NumPy net in float64.

PyTorch is only a benchmark reference: nothing in minitransfer imports it.

    model, optimizer = torch_caffenet.build(net, solver, torch, device="cuda")
    step = torch_caffenet.train_step(model, optimizer, torch)
    step(x, labels)
"""

import contextlib

import numpy as np

from minitransfer.layers import LRN, Conv2d, Dropout, Flatten, Linear, MaxPool2d, ReLU, to_numpy

# Our precision names for PyTorch's TF32 flags: (convolutions in TF32, matmuls in TF32).
TORCH_PRECISIONS = {
    "ieee": (False, False),       # IEEE fp32 everywhere
    "tf32-conv": (True, False),   # PyTorch's default: cuDNN convolutions in TF32, matmuls IEEE
    "tf32": (True, True),         # TF32 everywhere
}


def _torch_layer(layer, torch):
    nn = torch.nn
    if isinstance(layer, Conv2d):
        k, cg, r, _ = layer.weight.data.shape
        module = nn.Conv2d(cg * layer.groups, k, r, stride=layer.stride, padding=layer.pad, groups=layer.groups)
    elif isinstance(layer, Linear):
        out_features, in_features = layer.weight.data.shape
        module = nn.Linear(in_features, out_features)
    elif isinstance(layer, ReLU):
        return nn.ReLU()
    elif isinstance(layer, MaxPool2d):
        return nn.MaxPool2d(layer.size, layer.stride, layer.pad, ceil_mode=True)
    elif isinstance(layer, LRN):
        return nn.LocalResponseNorm(layer.size, alpha=layer.alpha, beta=layer.beta, k=layer.k)
    elif isinstance(layer, Dropout):
        return nn.Dropout(layer.ratio)
    elif isinstance(layer, Flatten):
        return nn.Flatten()
    else:
        raise ValueError(f"torch twin: no PyTorch layer for {layer!r}")
    with torch.no_grad():
        module.weight.copy_(torch.from_numpy(np.ascontiguousarray(to_numpy(layer.weight.data))))
        module.bias.copy_(torch.from_numpy(np.ascontiguousarray(to_numpy(layer.bias.data))))
    for param in (module.weight, module.bias):
        param.requires_grad_(not layer.frozen)
    return module


def build(net, solver, torch, device="cpu", dtype=None):
    """``(model, optimizer)``: the twin of ``net`` (its weights and frozen flags) on ``device``, and
    Caffe's momentum SGD at ``solver.base_lr`` over its trainable parameters."""
    layers = [_torch_layer(layer, torch) for layer in net.layers]
    model = torch.nn.Sequential(*layers).to(device=device, dtype=dtype)
    groups = []
    for layer, module in zip(net.layers, layers):
        if isinstance(layer, (Conv2d, Linear)) and not layer.frozen:
            for param, ours in ((module.weight, layer.weight), (module.bias, layer.bias)):
                groups.append({"params": [param], "lr": solver.base_lr * ours.lr_mult,
                               "weight_decay": solver.weight_decay * ours.decay_mult})
    optimizer = torch.optim.SGD(groups, lr=solver.base_lr, momentum=solver.momentum)
    return model, optimizer


def train_step(model, optimizer, torch):
    """``step(x, labels)``: forward, mean cross-entropy, backward and one SGD update; returns the loss."""
    def step(x, labels):
        optimizer.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(model(x), labels)
        loss.backward()
        optimizer.step()
        return loss

    return step


@contextlib.contextmanager
def precision(torch, name):
    """Within the block PyTorch computes convolutions and matmuls as ``TORCH_PRECISIONS[name]`` says.

    Set through the ``allow_tf32`` flags, which since PyTorch 2.9 set its newer ``fp32_precision`` flags
    too: the newer flags alone leave the older ones behind, and reading an older one then raises "mix of
    the legacy and new APIs" (PyTorch's Context::allowTF32CuBLAS, allowTF32CuDNN). Inductor reads
    ``cuda.matmul.allow_tf32`` while compiling a matmul (pytorch/pytorch#166387, seen in 2.9 and 2.10):
    torch.compile in "tf32" would have raised, and with it the whole race of iteration.py."""
    conv_tf32, matmul_tf32 = TORCH_PRECISIONS[name]
    flags = (torch.backends.cudnn, torch.backends.cuda.matmul)
    saved = [flag.allow_tf32 for flag in flags]
    for flag, tf32 in zip(flags, (conv_tf32, matmul_tf32)):
        flag.allow_tf32 = tf32
    try:
        yield
    finally:
        for flag, value in zip(flags, saved):
            flag.allow_tf32 = value
