"""Parameters and layers (DESIGN.md §1): with the net (:mod:`minitransfer.net`), the only stateful
objects of the forward/backward pass.

A layer holds its hyper-parameters and, for the weight layers, its :class:`Param` objects, and
calls the pure ops of ``minitransfer.ops``; the cache of the last forward pass is kept on the
layer until its backward. Parameter gradients are *assigned* by backward (one loss per
iteration, no accumulation); only the optimizer (``minitransfer.optim``) changes ``Param.data``.

Freezing is a property of the parameters, as in Caffe (``lr_mult: 0`` and no weight decay): a
frozen parameter gets no gradient and no update; :class:`minitransfer.net.Net` stops its backward
pass below the lowest trainable weight layer.

Arrays are NumPy or CuPy; the parameters' array type (set by ``Net.to``) decides the backend of
every op, so the input batch must live on the same side.
"""

import dataclasses
import math

import numpy as np

from minitransfer import counter_rng, cuda
from minitransfer.ops import conv2d, dropout, linear, lrn, max_pool2d, relu
from minitransfer.ops import precision as precisions


def _zeros_like(a):
    if cuda.is_cuda_array(a):
        return cuda.cupy().zeros(a.shape, dtype=a.dtype)
    return np.zeros(a.shape, dtype=a.dtype)


def to_numpy(a):
    """A NumPy copy-or-view of a NumPy or CuPy array."""
    return a.get() if cuda.is_cuda_array(a) else np.asarray(a)


def to_device(a, device):
    """``a`` as a C-contiguous array on ``device`` ("cpu" → NumPy, "cuda" → CuPy)."""
    if device == "cuda":
        cp = cuda.cupy()
        return cp.ascontiguousarray(a) if cuda.is_cuda_array(a) else cp.asarray(np.ascontiguousarray(a))
    if device == "cpu":
        return np.ascontiguousarray(to_numpy(a))
    raise ValueError(f"unknown device {device!r}; expected 'cpu' or 'cuda'")


class Param:
    """One learnable array with its gradient, momentum buffer and Caffe multipliers.

    ``frozen`` means Caffe's ``lr_mult: 0`` with no weight decay: no gradient, no update.
    """

    def __init__(self, name, data, lr_mult=1.0, decay_mult=1.0):
        self.name = name
        self.data = data
        self.grad = None
        self.velocity = _zeros_like(data)
        self.lr_mult = lr_mult
        self.decay_mult = decay_mult
        self.frozen = False

    def to(self, device):
        self.data = to_device(self.data, device)
        self.velocity = to_device(self.velocity, device)
        self.grad = None

    def __repr__(self):
        state = "frozen" if self.frozen else f"lr_mult {self.lr_mult}, decay_mult {self.decay_mult}"
        return f"Param({self.name}, {tuple(self.data.shape)}, {state})"


@dataclasses.dataclass(frozen=True)
class Pass:
    """What a forward pass needs besides the input: training mode, the dropout randomness, the
    precision of the products, whether the stages run fused ops, and (fused on CUDA) the device
    array holding ``iteration`` that the fused dropout reads."""

    train: bool
    seed: int = 0
    iteration: int = 0
    precision: str = precisions.DEFAULT
    fused: bool = True
    device_counter: object = None


class Layer:
    """A layer without parameters: ``forward(x, run) -> y``, ``backward(dy, need_input_grad) -> dx``."""

    params = ()

    def __init__(self, name):
        self.name = name
        self._cache = None

    def backward(self, dy, need_input_grad=True):
        (dx,) = self.op.backward(dy, self._cache)
        self._cache = None
        return dx

    def __repr__(self):
        return f"{type(self).__name__}({self.name})"


class WeightLayer(Layer):
    """A layer with a weight ``W`` (lr_mult 1, decay_mult 1) and a bias ``b`` (lr_mult 2, decay_mult 0),
    filled like Caffe: W gaussian with std ``weight_std``, b constant ``bias_value``."""

    def __init__(self, name, weight_shape, bias_shape, weight_std, bias_value):
        super().__init__(name)
        if any(isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1 for size in weight_shape):
            raise ValueError(f"{name}: every size of W must be an integer >= 1, got W shape {tuple(weight_shape)}")
        self.weight_std = weight_std
        self.bias_value = bias_value
        self.weight = Param(f"{name}/W", np.zeros(weight_shape, np.float32), lr_mult=1.0, decay_mult=1.0)
        self.bias = Param(f"{name}/b", np.zeros(bias_shape, np.float32), lr_mult=2.0, decay_mult=0.0)
        self.params = (self.weight, self.bias)

    @property
    def frozen(self):
        return self.weight.frozen

    @frozen.setter
    def frozen(self, value):
        for param in self.params:
            param.frozen = bool(value)
            param.grad = None

    def initialize(self, rng):
        """Caffe's fillers: gaussian(0, weight_std) weights, constant bias; momentum reset to zero."""
        device = "cuda" if cuda.is_cuda_array(self.weight.data) else "cpu"
        weight = rng.standard_normal(self.weight.data.shape, dtype=np.float32) * np.float32(self.weight_std)
        bias = np.full(self.bias.data.shape, self.bias_value, dtype=np.float32)
        self.set_weights(to_device(weight, device), to_device(bias, device))

    def set_weights(self, weight, bias):
        """Replace W and b with copies of ``weight`` and ``bias`` (arrays on the layer's device, shapes
        checked); momentum reset to zero. Copies: training updates them in place, and a net built from
        a checkpoint held its arrays (fine-tuning a copy of a base changed the base in memory; two nets
        loaded from one checkpoint trained together)."""
        for param, value in ((self.weight, weight), (self.bias, bias)):
            if tuple(value.shape) != tuple(param.data.shape):
                raise ValueError(
                    f"{param.name}: expected shape {tuple(param.data.shape)}, got {tuple(value.shape)}"
                )
            device = device_of(param.data)  # moved to another device, it is a copy already
            param.data = to_device(value.astype(np.float32, copy=device_of(value) == device), device)
            param.velocity = _zeros_like(param.data)
            param.grad = None

    def backward(self, dy, need_input_grad=True):
        """Parameter gradients (unless frozen) and, when asked, the input gradient (else None)."""
        dx, dw, db = self.op.backward(dy, self._cache, need_dx=need_input_grad)
        self._cache = None
        self.take_gradients(dw, db)
        return dx

    def take_gradients(self, dw, db):
        """This iteration's ∇W and ∇b (kept only when the layer trains)."""
        if not self.frozen:
            self.weight.grad = dw
            self.bias.grad = db


def device_of(a):
    return "cuda" if cuda.is_cuda_array(a) else "cpu"


class Conv2d(WeightLayer):
    """Grouped 2-D convolution, NCHW, weight (K, C/groups, R, S) (``minitransfer.ops.conv2d``)."""

    op = conv2d

    def __init__(self, name, in_channels, out_channels, kernel, stride=1, pad=0, groups=1,
                 weight_std=0.01, bias_value=0.0):
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"{name}: channels {in_channels} -> {out_channels} do not split into {groups} groups")
        super().__init__(name, (out_channels, in_channels // groups, kernel, kernel), (out_channels,),
                         weight_std, bias_value)
        self.stride, self.pad, self.groups = stride, pad, groups

    def forward(self, x, run):
        y, self._cache = conv2d.forward(x, self.weight.data, self.bias.data, stride=self.stride, pad=self.pad,
                                        groups=self.groups, precision=run.precision)
        return y

    def check_kernel_sizes(self, batch, shape):
        """Refuse, naming this layer, ``batch`` inputs of ``shape`` (C, H, W) beyond the CUDA kernels'
        sizes (:func:`minitransfer.ops.conv2d.check_kernel_sizes`)."""
        try:
            conv2d.check_kernel_sizes((batch, *shape), self.weight.data.shape, self.stride, self.pad)
        except ValueError as error:
            raise ValueError(f"{self.name}: {error}") from None

    def output_shape(self, shape):
        _, h, w = shape
        k, _, r, s = self.weight.data.shape
        return (k, conv2d.output_size(h, r, self.stride, self.pad), conv2d.output_size(w, s, self.stride, self.pad))


class Linear(WeightLayer):
    """Fully connected ``y = x·Wᵀ + b``, weight (out, in) (``minitransfer.ops.linear``)."""

    op = linear

    def __init__(self, name, in_features, out_features, weight_std=0.005, bias_value=0.0):
        super().__init__(name, (out_features, in_features), (out_features,), weight_std, bias_value)

    def forward(self, x, run):
        y, self._cache = linear.forward(x, self.weight.data, self.bias.data, precision=run.precision)
        return y

    def output_shape(self, shape):
        return (self.weight.data.shape[0],)


class ReLU(Layer):
    op = relu

    def forward(self, x, run):
        y, self._cache = relu.forward(x)
        return y

    def output_shape(self, shape):
        return shape


class MaxPool2d(Layer):
    """Caffe max pooling (ceil-mode output size, last window clipped)."""

    op = max_pool2d

    def __init__(self, name, size=3, stride=2, pad=0):
        super().__init__(name)
        self.size, self.stride, self.pad = size, stride, pad

    def forward(self, x, run):
        y, self._cache = max_pool2d.forward(x, size=self.size, stride=self.stride, pad=self.pad)
        return y

    def output_shape(self, shape):
        c, h, w = shape
        return (c, *(max_pool2d.output_size(n, self.size, self.stride, self.pad) for n in (h, w)))


class LRN(Layer):
    """Local response normalisation across channels (α divided by size, as in Caffe)."""

    op = lrn

    def __init__(self, name, size=5, alpha=1e-4, beta=0.75, k=1.0):
        super().__init__(name)
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, x, run):
        y, self._cache = lrn.forward(x, size=self.size, alpha=self.alpha, beta=self.beta, k=self.k)
        return y

    def output_shape(self, shape):
        return shape


class Dropout(Layer):
    """Inverted dropout. The mask of iteration i comes from the counter-based generator with
    seed ``stream_key(run.seed, layer_seed)`` and counter i, so any iteration can be replayed."""

    op = dropout

    def __init__(self, name, ratio=0.5, layer_seed=0):
        super().__init__(name)
        self.ratio = ratio
        self.layer_seed = layer_seed

    def forward(self, x, run):
        seed = counter_rng.stream_key(run.seed, self.layer_seed)
        y, self._cache = dropout.forward(x, ratio=self.ratio, train=run.train, seed=seed, counter=run.iteration)
        return y

    def output_shape(self, shape):
        return shape


class Flatten(Layer):
    """(N, C, H, W) → (N, C·H·W), a view."""

    def forward(self, x, run):
        self._cache = tuple(x.shape)
        return x.reshape(x.shape[0], -1)

    def backward(self, dy, need_input_grad=True):
        shape, self._cache = self._cache, None
        return dy.reshape(shape)

    def output_shape(self, shape):
        return (math.prod(shape),)
