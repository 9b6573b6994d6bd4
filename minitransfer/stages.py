"""The fused layer graph: a net's layers grouped into stages, each run as one fused op (issue 11).

    ConvStage     Conv2d [→ ReLU]                   conv2d.forward(..., relu=True)
    LinearStage   Linear [→ ReLU [→ Dropout]]       linear.forward(..., relu=True, dropout=draw)
    PoolStage     MaxPool2d [→ LRN]                 max_pool2d_lrn.forward / max_pool2d.forward
                                                    (no backward follows, NumPy: max_pool2d.output [→ lrn])
    LayerStage    any other layer, alone            the layer's own forward and backward

A stage's output activation (a ReLU, or a ReLU then a dropout) is undone in backward by the stage
after it, on its own input gradient (``relu.masked_gradient`` with that input as the mask: in the
kernel's epilogue on CUDA), so no stage runs a separate activation backward; when the stage after
cannot (a LayerStage), the stage masks its own output gradient first. Every value is the one the
layers compute one by one (the masks are exact: a ReLU output is > 0 exactly where its input is).

``run.fused`` (the :class:`minitransfer.layers.Pass` of the forward) chooses the kernels: True runs
the fused ops (on NumPy: their references in sequence, the same structure on both backends);
False, the CUDA default until the fused kernels are measured on a GPU, runs each layer's own
forward and backward (the unfused kernels, one launch per layer as before), activations included.
"""

from minitransfer import counter_rng, cuda
from minitransfer.ops import conv2d, dropout, linear, lrn, max_pool2d, max_pool2d_lrn, relu


class Stage:
    """Layers run as one: ``forward(x, run)``, ``backward(dy, need_input_grad)``.

    ``activation`` is the output's: None, ``"relu"`` or ``"relu_dropout"`` (``dropout_ratio``).
    :func:`build` sets ``masks_input`` (this stage undoes the previous stage's activation,
    ``input_activation``, on its input gradient) and ``masked_by_next`` (the next stage undoes this
    one's).
    """

    can_mask_input = True   # undoes a ReLU before it on its input gradient
    masks_dropout = False   # ... and a ReLU then a dropout
    activation = None
    dropout_ratio = 0.0

    def __init__(self, layers):
        self.layers = tuple(layers)
        self.name = "+".join(layer.name for layer in self.layers)
        self.masks_input = self.masked_by_next = False
        self.input_activation, self.input_dropout_ratio = None, 0.0
        self._fused = True
        self._x = self._y = self._cache = None

    def forward(self, x, run, backward=True):
        """The stage's output; ``backward`` False: no backward of this pass follows (an evaluation, a
        stage below the lowest trainable one), so a stage may skip what only backward needs."""
        self._fused = run.fused
        if not run.fused:
            for layer in self.layers:
                x = layer.forward(x, run)
            return x
        self._x = x if self.masks_input else None
        y = self._fused_forward(x, run, backward)
        self._y = y if self.activation is not None and not self.masked_by_next else None
        return y

    def backward(self, dy, need_input_grad=True):
        """The input gradient (None without ``need_input_grad``); the weight layer's gradients set."""
        if not self._fused:
            for index in range(len(self.layers) - 1, -1, -1):
                dy = self.layers[index].backward(dy, need_input_grad or index > 0)
            return dy
        if self._y is not None:
            scale = dropout.scale(self.dropout_ratio, dy.dtype) if self.activation == "relu_dropout" else None
            dy = relu.masked_gradient(dy, self._y, scale)
        mask = self._x if need_input_grad else None
        scale = dropout.scale(self.input_dropout_ratio, dy.dtype) if self.input_activation == "relu_dropout" else None
        dx = self._fused_backward(dy, need_input_grad, mask, scale)
        self.release()
        return dx

    def release(self):
        """Drop what the last forward kept for backward (the net does so below its lowest trainable stage)."""
        self._x = self._y = self._cache = None
        for layer in self.layers:
            layer._cache = None

    def __repr__(self):
        return f"{type(self).__name__}({self.name})"


class ConvStage(Stage):
    def __init__(self, conv, relu_layer=None):
        super().__init__((conv,) if relu_layer is None else (conv, relu_layer))
        self.conv = conv
        self.activation = None if relu_layer is None else "relu"

    def _fused_forward(self, x, run, backward):
        c = self.conv
        y, self._cache = conv2d.forward(x, c.weight.data, c.bias.data, c.stride, c.pad, c.groups,
                                        precision=run.precision, relu=self.activation == "relu", fused=True)
        return y

    def _fused_backward(self, dy, need_input_grad, mask, mask_scale):
        dx, dw, db = conv2d.backward(dy, self._cache, need_dx=need_input_grad, mask=mask, fused=True)
        self.conv.take_gradients(dw, db)
        return dx


class LinearStage(Stage):
    masks_dropout = True

    def __init__(self, fc, relu_layer=None, dropout_layer=None):
        super().__init__(layer for layer in (fc, relu_layer, dropout_layer) if layer is not None)
        self.fc, self.dropout_layer = fc, dropout_layer
        self.activation = None if relu_layer is None else "relu" if dropout_layer is None else "relu_dropout"
        self.dropout_ratio = 0.0 if dropout_layer is None else dropout_layer.ratio

    def _fused_forward(self, x, run, backward):
        draw = None
        if self.dropout_layer is not None and run.train:
            seed = counter_rng.stream_key(run.seed, self.dropout_layer.layer_seed)
            draw = dropout.Draw(self.dropout_ratio, seed, run.iteration, run.device_counter)
        y, self._cache = linear.forward(x, self.fc.weight.data, self.fc.bias.data, precision=run.precision,
                                        relu=self.activation is not None, dropout=draw, fused=True)
        return y

    def _fused_backward(self, dy, need_input_grad, mask, mask_scale):
        dx, dw, db = linear.backward(dy, self._cache, need_dx=need_input_grad, mask=mask, mask_scale=mask_scale,
                                     fused=True)
        self.fc.take_gradients(dw, db)
        return dx


class PoolStage(Stage):
    def __init__(self, pool, lrn_layer=None):
        super().__init__((pool,) if lrn_layer is None else (pool, lrn_layer))
        self.pool, self.lrn = pool, lrn_layer

    def _fused_forward(self, x, run, backward):
        p, n = self.pool, self.lrn
        if not (backward or cuda.is_cuda_array(x)):  # NumPy: no argmax to find (max_pool2d.output)
            y = max_pool2d.output(x, p.size, p.stride, p.pad)
            return y if n is None else lrn.forward(y, n.size, n.alpha, n.beta, n.k)[0]
        if n is None:
            y, self._cache = max_pool2d.forward(x, p.size, p.stride, p.pad)
        else:
            y, self._cache = max_pool2d_lrn.forward(x, p.size, p.stride, p.pad, n.size, n.alpha, n.beta, n.k,
                                                    fused=True)
        return y

    def _fused_backward(self, dy, need_input_grad, mask, mask_scale):
        op = max_pool2d if self.lrn is None else max_pool2d_lrn
        (dx,) = op.backward(dy, self._cache, mask=mask, fused=True)
        return dx


class LayerStage(Stage):
    """One layer on its own, with its own forward and backward (Flatten, a ReLU not after a layer ...)."""

    can_mask_input = False

    def __init__(self, layer):
        super().__init__((layer,))

    def forward(self, x, run, backward=True):
        self._fused = False
        return self.layers[0].forward(x, run)


def build(layers):
    """The stages of ``layers`` (in order), with their activations and who undoes them linked.

    A layer's kind is its op module (``layer.op``), so this module needs no layer classes.
    """
    stages, i = [], 0
    while i < len(layers):
        layer = layers[i]
        ops = tuple(getattr(other, "op", None) for other in layers[i + 1:i + 3])
        kind = getattr(layer, "op", None)
        if kind is conv2d:
            stage = ConvStage(layer, layers[i + 1] if ops[:1] == (relu,) else None)
        elif kind is linear:
            stage = LinearStage(layer, *(layers[i + 1:i + 3] if ops == (relu, dropout) else
                                         layers[i + 1:i + 2] if ops[:1] == (relu,) else ()))
        elif kind is max_pool2d:
            stage = PoolStage(layer, layers[i + 1] if ops[:1] == (lrn,) else None)
        else:
            stage = LayerStage(layer)
        stages.append(stage)
        i += len(stage.layers)
    for before, after in zip(stages, stages[1:]):
        if before.activation is None:
            continue
        if after.can_mask_input and (before.activation == "relu" or after.masks_dropout):
            after.masks_input = before.masked_by_next = True
            after.input_activation, after.input_dropout_ratio = before.activation, before.dropout_ratio
    return tuple(stages)
