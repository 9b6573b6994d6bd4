"""The net (DESIGN.md §1): an ordered stack of layers ending in a softmax cross-entropy loss.

Freezing is a property of the parameters, as in Caffe (``lr_mult: 0`` and no weight decay): a
frozen parameter gets no gradient and no update, and :meth:`Net.backward` stops below the lowest
trainable weight layer: that layer computes its parameter gradients but no input gradient, and
nothing under it runs backward.

Arrays are NumPy or CuPy; the parameters' array type (set by :meth:`Net.to`) decides the backend
of every op, so the input batch must live on the same side. ``Net.precision`` (``ieee``,
``tf32x3``, ``tf32``; see ``minitransfer.ops.precision``) says how the convolution and fully
connected products are computed, on either backend.

A net runs its layers grouped into stages (``minitransfer.stages``: a convolution with its ReLU,
a fully connected layer with its ReLU and dropout, a pooling with its LRN), the same graph on both
backends. ``Net.fused`` (set by :class:`minitransfer.step.TrainingStep`; NumPy always computes the
stages' values) runs the fused CUDA kernels: fewer launches, bit-identical results, UNVERIFIED ON A
GPU and off by default.
"""

import numbers

import numpy as np

from minitransfer import cuda, stages
from minitransfer.layers import Conv2d, Pass, WeightLayer, device_of, to_numpy
from minitransfer.ops import precision as precisions
from minitransfer.ops import softmax_cross_entropy


class Net:
    """An ordered stack of layers ending in a softmax cross-entropy loss.

    ``weight_layers`` are the layers with parameters, in order (conv1..fc8 for the presets of
    ``minitransfer.models``); the paper's n counts them from 1. ``input_shape`` is (C, H, W).
    ``precision`` (``ieee`` by default, set by :meth:`to`) is how every convolution and fully
    connected product is computed.
    """

    def __init__(self, preset, layers, input_shape):
        self.preset = preset
        self.precision = precisions.DEFAULT
        self.fused = False
        self.step_scalars = None  # the device copy of the iteration and learning rate (fused CUDA training)
        self.layers = tuple(layers)
        self.input_shape = tuple(input_shape)
        self.weight_layers = tuple(layer for layer in self.layers if isinstance(layer, WeightLayer))
        names = [layer.name for layer in self.layers]
        if len(set(names)) != len(names):
            raise ValueError(f"net {preset}: layer names must be unique, got {names}")
        self.stages = stages.build(self.layers)
        self._loss_cache = self._dlogits = None
        self._bottom = None

    # --- structure -------------------------------------------------------------------------

    @property
    def weight_layer_names(self):
        return tuple(layer.name for layer in self.weight_layers)

    @property
    def num_outputs(self):
        return self.weight_layers[-1].weight.data.shape[0]

    @property
    def params(self):
        return tuple(param for layer in self.weight_layers for param in layer.params)

    @property
    def frozen(self):
        """Frozen flag of each weight layer, in order."""
        return tuple(layer.frozen for layer in self.weight_layers)

    @property
    def device(self):
        return device_of(self.weight_layers[0].weight.data)

    def layer(self, name):
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(f"net {self.preset} has no layer {name!r}; layers: {[l.name for l in self.layers]}")

    def architecture(self):
        """[(name, W shape, b shape)] of the weight layers: what a checkpoint must match."""
        return [(layer.name, tuple(layer.weight.data.shape), tuple(layer.bias.data.shape))
                for layer in self.weight_layers]

    def parameter_count(self):
        return sum(int(np.prod(param.data.shape)) for param in self.params)

    def shapes(self):
        """[(layer name, output shape (C, H, W) or (F,))] for every layer, from the input shape."""
        shape, rows = self.input_shape, []
        for layer in self.layers:
            shape = layer.output_shape(shape)
            rows.append((layer.name, shape))
        return rows

    # --- state -----------------------------------------------------------------------------

    def check_layer_count(self, verb, n):
        """``n`` counts weight layers from the bottom (as the paper's n): an integer 0..all but the
        classifier; ValueError saying what ``verb`` ("freeze", "copy") can take otherwise."""
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or not 0 <= n < len(self.weight_layers):
            raise ValueError(f"net {self.preset}: can {verb} 0..{len(self.weight_layers) - 1} layers, got {n!r}")

    def freeze(self, n):
        """Freeze weight layers 1..n and make n+1..end trainable (n = 0 freezes nothing)."""
        self.check_layer_count("freeze", n)
        for index, layer in enumerate(self.weight_layers):
            layer.frozen = index < n

    def initialize(self, seed, layers=None):
        """Caffe fillers for the named weight layers (all by default). Each layer draws from its own
        generator seeded by (seed, position), so re-initialising some layers gives them exactly the
        values a fresh net of that seed has."""
        names = self.weight_layer_names if layers is None else tuple(layers)
        for index, layer in enumerate(self.weight_layers):
            if layer.name in names:
                layer.initialize(np.random.default_rng([int(seed), index]))

    def to(self, device, precision=None):
        """Move every parameter and momentum buffer to ``device`` ("cpu" or "cuda") and, when given,
        set :attr:`precision` (checked); returns self: ``net.to("cuda", precision="tf32x3")``."""
        if precision is not None:
            self.precision = precisions.check(f"net {self.preset}", precision, np.float32)
        for param in self.params:
            param.to(device)
        return self

    def weights(self):
        """{layer name: (W, b)} as NumPy float32 arrays (copies for CuPy parameters)."""
        return {layer.name: (to_numpy(layer.weight.data), to_numpy(layer.bias.data)) for layer in self.weight_layers}

    # --- passes ----------------------------------------------------------------------------

    def forward(self, x, labels, train, iteration=0, seed=0):
        """Run the net on a batch x (N, C, H, W) with int32 labels (N,); returns (loss, logits).

        ``train`` switches dropout on; its masks derive from (seed, iteration, layer), so a
        replayed iteration sees the same masks. The caches kept for :meth:`backward` are those
        of the stages that will run backward (all stages down to the lowest trainable one); the
        others are told no backward follows (a pooling finds no argmax on NumPy); a training pass on
        the fused path also computes the loss's gradient.
        """
        if tuple(x.shape[1:]) != self.input_shape:
            raise ValueError(f"net {self.preset}: input must be (N, {', '.join(map(str, self.input_shape))}), "
                             f"got {tuple(x.shape)}")
        if cuda.is_cuda_array(x):
            self._check_kernel_sizes(x.shape[0])
        fused = self.fused or not cuda.is_cuda_array(x)
        run = Pass(train=bool(train), seed=int(seed), iteration=int(iteration), precision=self.precision, fused=fused,
                   device_counter=self._device_counter(iteration) if fused and train else None)
        bottom = self._lowest_trainable_stage() if train else None
        for index, stage in enumerate(self.stages):
            backward = bottom is not None and index >= bottom
            x = stage.forward(x, run, backward)
            if not backward:
                stage.release()
        self._loss_cache = self._dlogits = None
        if train and fused:
            loss, self._dlogits, _ = softmax_cross_entropy.forward_backward(x, labels, fused=True)
        else:
            loss, cache = softmax_cross_entropy.forward(x, labels)
            self._loss_cache = cache if train else None
        self._bottom = bottom
        return loss, x

    def backward(self):
        """Back-propagate the last training forward pass: parameter gradients of every trainable
        layer; stops at the lowest trainable weight layer, which computes no input gradient."""
        if (self._loss_cache is None and self._dlogits is None) or self._bottom is None:
            raise RuntimeError(f"net {self.preset}: backward needs a preceding forward with train=True")
        if self._dlogits is not None:
            dy = self._dlogits
        else:
            (dy,) = softmax_cross_entropy.backward(1.0, self._loss_cache)
        self._loss_cache = self._dlogits = None
        for index in range(len(self.stages) - 1, self._bottom - 1, -1):
            dy = self.stages[index].backward(dy, need_input_grad=index > self._bottom)
        self._bottom = None

    def _check_kernel_sizes(self, batch):
        """Refuse a batch of ``batch`` images whose shapes some convolution's CUDA kernels cannot index,
        naming the layer, before the pass launches anything (each launch checks its own shapes too, but
        names no layer, and the layers below it would have run)."""
        shape = self.input_shape
        for layer in self.layers:
            if isinstance(layer, Conv2d):
                layer.check_kernel_sizes(batch, shape)
            shape = layer.output_shape(shape)

    def lowest_trainable_stage(self):
        """The index of the lowest stage holding a trainable weight layer (the stages below it are frozen
        and never change), or None where every weight layer is frozen."""
        for index, stage in enumerate(self.stages):
            if any(isinstance(layer, WeightLayer) and not layer.frozen for layer in stage.layers):
                return index
        return None

    def _lowest_trainable_stage(self):
        index = self.lowest_trainable_stage()
        if index is None:
            raise ValueError(f"net {self.preset}: every weight layer is frozen; nothing to train")
        return index

    def _device_counter(self, iteration):
        """The device array holding ``iteration`` (written now if it held another), or None on NumPy."""
        if self.device != "cuda":
            return None
        if self.step_scalars is None:
            self.step_scalars = cuda.StepScalars()
        self.step_scalars.write(iteration=iteration)
        return self.step_scalars.iteration
