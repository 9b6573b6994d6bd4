"""What a training step of the NumPy reference holds at its peak, besides the parameters and the
batch: the account :func:`minitransfer.preflight_memory.training_bytes` adds them and the loader to.

A step runs the net's stages (:mod:`minitransfer.stages`) forward, then backward from the top. Each
stage keeps, from its forward to its own backward, its output (the next stage's input and ReLU mask,
freed when that stage's backward ends; its gradient takes its place until this stage's ends) and what
its cache holds besides (:class:`StageMemory`): a convolution's im2col columns, a pooling's argmax, an
LRN's input, scale and scale^-beta. Every array is counted once: a ReLU or a dropout fused into the
stage before it replaces that stage's output, a Flatten is a view. Over what is held, each op makes
temporaries while it runs: :func:`step_peak` walks the stages in the step's order and takes the
largest sum. The stages below the lowest trainable one (a frozen transfer's copied layers) run forward
alone, as an evaluation's do: each keeps nothing, its output replacing its input, and only the last one's
output, the lowest trainable stage's input, is held through the backward. The figures follow the NumPy
code of ``minitransfer.ops``, array by array, as each function's locals live, in the net's precision: the
TF32 emulations' products round or split each operand into new arrays first (:func:`product_peak`); a change
there that keeps another array alive belongs here too.

Measured with tracemalloc over two steps, the weights built inside the trace: 0.97-1.00 times the
estimate (micro at batch 8-4096, mini at 1-1024, caffenet at 1-24; ``tests/test_memory_measured.py``), and
with 0-7 layers frozen in each precision (micro at 128-512, mini at 2-128, caffenet at 1-2;
``tests/test_preflight_frozen_precision.py``), where a frozen net had been estimated as the whole net trained
(1.3-2.8 times over) and the TF32 emulations' copies left out (0.41-0.84 times the step, 0.21-0.36 an evaluation).
"""

import math
from typing import NamedTuple

import numpy as np

from minitransfer.layers import LRN, Dropout, Flatten, ReLU
from minitransfer.stages import ConvStage, LayerStage, LinearStage, PoolStage

FLOAT32 = INT32 = 4  # bytes
BOOL = 1
INTP = np.dtype(np.intp).itemsize
# A dropout's mask drawn on NumPy (ops.dropout.kept_mask): the int64 indices, their uint32 copy xor-ed with the
# key (an argument alive while counter_rng.hash32 runs), its copy and one shifted temporary, per element
MASK_DRAW = 8 + 4 + 4 + 4
# ops.precision.round_tf32 on a float32 operand of any layout (read in place, never copied), per element: the
# rounded bits it returns (4 bytes held), made in place beside the NaN test (bool)
ROUNDED = FLOAT32 + BOOL
# ops.precision.split_tf32, per element: its big part (round_tf32's result), then x - big beside it, rounded in place
# beside the NaN test
SPLIT = 2 * FLOAT32 + BOOL
# NumPy adds into a temporary operand in place from this size up (NPY_MIN_ELIDE_BYTES): tf32x3's sum of three
# products then holds two of them at once, not three
ELIDED = 256 * 1024


class StageMemory(NamedTuple):
    """One stage's arrays in a training step, in bytes."""

    kept: int      # what its forward keeps for its backward besides its output
    output: int    # its output (then its gradient)
    forward: int   # its forward's peak over what was held before it (its kept and output included)
    backward: int  # its backward's peak over what is held as it starts (its kept and output's gradient included)


def step_peak(net, batch):
    """The most bytes a training step of ``net`` at ``batch`` holds at once besides its parameters,
    their gradients, momentum and the input batch: the stages below the lowest trainable one run forward alone
    (:func:`_forward_alone`), their last output held to the end; from there up, the stages' kept arrays and outputs
    as the forward adds them and the backward frees them, plus the temporaries of the op running
    (:class:`StageMemory`), and the loss's."""
    bottom, held = net.lowest_trainable_stage() or 0, 0
    peak, shape = _forward_alone_peak(net, bottom, batch, train=True)
    if bottom:
        held = FLOAT32 * batch * math.prod(shape)  # the lowest trainable stage's input, kept in its cache
    stages = list(stage_memories(net, batch))[bottom:]
    for stage in stages:
        peak = max(peak, held + stage.forward)
        held += stage.kept + stage.output
    logits = stages[-1].output
    peak = max(peak, held + 3 * logits)  # softmax_cross_entropy: the shifted logits, their exp; backward 3
    held += logits  # the logits' gradient (the logits are the step's result, held to its end)
    for stage in reversed(stages):
        peak = max(peak, held + stage.backward)
        held -= stage.kept + stage.output
    return peak


def evaluation_peak(net, batch):
    """The most bytes an evaluation pass of ``net`` at ``batch`` (``Net.forward(train=False)``) holds at once
    besides its parameters and the input batch: each stage forward alone (:func:`_forward_alone`), and the loss."""
    peak, _ = _forward_alone_peak(net, len(net.stages), batch, train=False)
    return peak + 3 * FLOAT32 * batch * net.num_outputs  # the loss: the shifted logits, their exp


def _forward_alone_peak(net, stages, batch, train):
    """(the largest :func:`_forward_alone` peak of ``net``'s first ``stages`` stages at ``batch``, the last one's
    output shape, the net's input shape where there are none)."""
    shape, peak = net.input_shape, 0
    for index, stage in enumerate(net.stages[:stages]):
        output = _output_shape(stage, shape)
        peak = max(peak, _forward_alone(stage, batch, shape, output, index, net.precision, train))
        shape = output
    return peak, shape


def _forward_alone(stage, batch, shape, output, index, precision, train):
    """The peak of the forward of the ``index``-th stage with no backward to follow (an evaluation, or a training
    step's stage below its lowest trainable one, ``train``: its dropout drawn): its input (the batch's is the
    caller's, a Flatten's output a view of it) beside what its forward makes; nothing is kept (each stage's
    cache is dropped as it returns) and a pooling finds no argmax (ops.max_pool2d.output)."""
    into = FLOAT32 * batch * math.prod(shape) * (index > 0 and not isinstance(stage.layers[0], Flatten))
    if isinstance(stage, PoolStage):
        making = _pool_output(stage, batch, shape, output)
    elif isinstance(stage, LinearStage):
        making = _linear_forward(stage, batch, precision, drawn=train and stage.dropout_layer is not None)
    elif isinstance(stage, LayerStage) and isinstance(stage.layers[0], Dropout) and not train:
        making = 0  # the identity
    else:
        making = _memory(stage, batch, shape, output, False, precision).forward
    return into + making


def _pool_output(stage, batch, shape, output):
    """The peak of a pooling with no backward to follow (ops.max_pool2d._output_reference, after the test for
    -0.0 in its input: three bool arrays of its size): the padded input, the running maximum, the NaN test
    and the transposed copy; then the LRN's arrays beside the pooled map."""
    pool, pooled = stage.pool, batch * math.prod(output)
    making = max(3 * BOOL * batch * math.prod(shape),
                 _padded(pool, batch, shape, output) + (2 * FLOAT32 + BOOL + FLOAT32 * bool(pool.pad)) * pooled)
    if stage.lrn is None:
        return making
    return max(making, FLOAT32 * pooled + _lrn_peak(stage.lrn, batch, output))


def _output_shape(stage, shape):
    for layer in stage.layers:
        shape = layer.output_shape(shape)
    return shape


def stage_memories(net, batch):
    """The :class:`StageMemory` of each of ``net``'s stages at ``batch``, bottom up, in the net's precision, as
    each runs in a training step where it runs backward: the lowest trainable stage (the bottom one of a net not
    frozen) computes no input gradient, as in ``Net.backward`` (:func:`step_peak` runs those below it forward
    alone)."""
    shape, bottom = net.input_shape, net.lowest_trainable_stage() or 0
    for index, stage in enumerate(net.stages):
        output = _output_shape(stage, shape)
        yield _memory(stage, batch, shape, output, index > bottom, net.precision)
        shape = output


def _memory(stage, batch, shape, output, need_dx, precision):
    into, out = batch * math.prod(shape), batch * math.prod(output)  # elements
    if isinstance(stage, ConvStage):
        kept, forward, backward = _conv(stage.conv, batch, shape, output, stage.activation is not None, need_dx,
                                        precision)
    elif isinstance(stage, PoolStage):
        kept, forward, backward = _pool(stage.pool, stage.lrn, batch, shape, output)
    elif isinstance(stage, LinearStage):
        kept, forward = 0, _linear_forward(stage, batch, precision, drawn=stage.dropout_layer is not None)
        backward = _linear_backward(stage.fc, batch, need_dx, precision)
    else:
        kept, forward, backward = _layer(stage.layers[0], batch, shape, out)
    if need_dx and stage.masks_input:  # relu.masked_gradient of dx: its mask > 0, its bits, (dx times the scale)
        pooled = FLOAT32 * out if isinstance(stage, PoolStage) and stage.lrn is not None else 0  # the LRN's dx
        backward = max(backward, pooled + FLOAT32 * into * (2 + (stage.input_activation == "relu_dropout"))
                       + BOOL * into)
    if stage.activation is not None and not stage.masked_by_next:  # its own output's ReLU undone on dy first
        backward += FLOAT32 * out * (1 + (stage.activation == "relu_dropout")) + BOOL * out
    if isinstance(stage.layers[0], Flatten):
        out = 0  # a view
    return StageMemory(int(kept), FLOAT32 * out, int(max(forward, kept + FLOAT32 * out)), int(backward))


def product_peak(a, b, out, precision, made_a=False):
    """The most bytes ``ops.precision.matmul_reference`` of operands of ``a`` and ``b`` float32 elements (of any
    layout: a transposed view is rounded where it lies) holds beside them, its product of ``out`` elements
    included; ``made_a``: a's operand was made for an earlier product and is still held (conv2d's dy), its bytes
    counted here, not its making. ``ieee``: the product alone. ``tf32``: each operand rounded in turn
    (:data:`ROUNDED`, the first one's result held while the second's is made), then both beside the product.
    ``tf32x3``: each split in turn (:data:`SPLIT`, two arrays held), then the three products summed (two held at
    once where NumPy adds in place, :data:`ELIDED`, else three)."""
    if precision == "tf32":
        return max(0 if made_a else a * ROUNDED, FLOAT32 * a + b * ROUNDED, FLOAT32 * (a + b + out))
    if precision == "tf32x3":
        products = 2 if FLOAT32 * out >= ELIDED else 3
        return max(0 if made_a else a * SPLIT, 2 * FLOAT32 * a + b * SPLIT,
                   2 * FLOAT32 * (a + b) + products * FLOAT32 * out)
    return FLOAT32 * out


def _linear_forward(stage, batch, precision, drawn):
    """The peak of a fully connected stage's forward: the product (:func:`_linear_product`), then the bias added (a
    new array); the ReLU's mask and output; or, its dropout ``drawn`` (a training step's), its output while a mask
    is drawn."""
    out = batch * stage.fc.weight.data.shape[0]  # elements
    made = (FLOAT32 + MASK_DRAW) * out if drawn else (2 * FLOAT32 + BOOL * (stage.activation is not None)) * out
    return max(made, _linear_product(stage.fc, batch, precision))


def _linear_product(fc, batch, precision):
    """The peak of a fully connected layer's product x·Wᵀ (ops.linear's reference; Wᵀ a transposed view)."""
    outputs, inputs = fc.weight.data.shape
    return product_peak(batch * inputs, outputs * inputs, batch * outputs, precision)


def _linear_backward(fc, batch, need_dx, precision):
    """The peak of a fully connected layer's backward (ops.linear's reference): dx = dy·W, then dW = dyᵀ·x (dyᵀ a
    transposed view) beside dx, which this layer's new weight gradient then sits beside, its previous one held."""
    outputs, inputs = fc.weight.data.shape
    dy, dx = batch * outputs, batch * inputs
    into = product_peak(dy, outputs * inputs, dx, precision) if need_dx else 0
    weights = product_peak(dy, dx, outputs * inputs, precision) - FLOAT32 * outputs * inputs
    return max(into, FLOAT32 * dx * need_dx + weights + _weights(fc))


def _conv(conv, batch, shape, output, relu, need_dx, precision):
    """(kept, forward, backward) of a convolution (ops.conv2d's reference): it keeps the im2col columns; its
    forward holds the padded input (images last) with the columns, then the product (:func:`product_peak`) and
    its transposed copy (and the ReLU's mask and output); its backward the transposed dy, then the product dW
    (the columns transposed: a view), dcols (W transposed: a view; dy's rounded or split operand made for dW
    reused), the padded input gradient and dx, with this layer's new weight gradient beside its previous one."""
    channels, height, width = shape
    _, _, rows, columns = conv.weight.data.shape
    pad, weights = conv.pad, conv.weight.data.size
    columns_made = batch * channels * rows * columns * output[1] * output[2]  # elements
    made = batch * math.prod(output)
    cols, out = FLOAT32 * columns_made, FLOAT32 * made
    padded = FLOAT32 * batch * channels * (height + 2 * pad) * (width + 2 * pad)
    into = FLOAT32 * batch * math.prod(shape)
    product = product_peak(weights, columns_made, made, precision)
    forward = cols + max(padded, product, 2 * out + (made * BOOL if relu else 0))  # ReLU: y, its mask, its output
    new_weights = _weights(conv)
    # beside dy's transposed copy: the product dW (made anew), then dcols beside dW, the padded dx and dx
    backward = max(out + product_peak(made, columns_made, weights, precision) - FLOAT32 * weights + new_weights,
                   out + new_weights + (max(product_peak(made, weights, columns_made, precision, made_a=True),
                                            cols + padded + into) if need_dx else 0))
    return cols, forward, backward


def _pool(pool, norm, batch, shape, output):
    """(kept, forward, backward) of a max pooling (ops.max_pool2d's reference) with the LRN after it (ops.lrn's):
    see :func:`_pool_forward`; it keeps the argmax and, with an LRN, the pooled map, the scale and scale^-beta;
    backward holds the LRN's padded ratio and its temporaries, then the pooled gradient with the flat indices
    and the masks of the argmax's range beside the input gradient."""
    pooled = batch * math.prod(output)  # elements
    into = FLOAT32 * batch * math.prod(shape)
    pool_back = INTP * pooled + 3 * BOOL * pooled + into  # index (intp), the argmax's range masks, dx
    if norm is None:
        return INT32 * pooled, _pool_forward(pool, batch, shape, output), pool_back
    lrn = _lrn_peak(norm, batch, output)
    forward = max(_pool_forward(pool, batch, shape, output),
                  (INT32 + FLOAT32) * pooled + lrn)  # the LRN's, the argmax and pooled held
    backward = max(lrn, FLOAT32 * pooled + pool_back)
    return (INT32 + 3 * FLOAT32) * pooled, forward, backward


def _pool_forward(pool, batch, shape, output):
    """The peak of ops.max_pool2d._forward_reference: the input padded with -inf, the size² candidates, their
    maximum, which of them equal it (bool), the offset found, two bool scans and the NaN test, then the argmax
    and both transposed copies, all alive until it returns."""
    size, pad = pool.size, pool.pad
    padded = _padded(pool, batch, shape, output)
    offset = np.dtype(np.min_scalar_type(size * size - 1)).itemsize
    per_output = (size * size * (FLOAT32 + BOOL) + FLOAT32 + offset + 3 * BOOL + 2 * INT32 + FLOAT32
                  + FLOAT32 * bool(pad))  # with padding, the first real pixels are a copy
    return padded + per_output * batch * math.prod(output)


def _padded(pool, batch, shape, output):
    """The bytes of a pooling's input padded with -inf, tall and wide enough for every window (ops.max_pool2d)."""
    channels, height, width = shape
    size, stride, pad = pool.size, pool.stride, pool.pad
    return FLOAT32 * batch * channels * max(pad + height, (output[1] - 1) * stride + size) * \
        max(pad + width, (output[2] - 1) * stride + size)


def _layer(layer, batch, shape, out):
    """(kept, forward, backward) of a layer run on its own (a LayerStage): a Flatten is a view; a ReLU makes
    its mask and output, then dx's; a dropout draws its mask both ways; an LRN keeps its scale and
    scale^-beta; another layer is counted as making two arrays of its output's size each way."""
    if isinstance(layer, Flatten):
        return 0, 0, 0
    if isinstance(layer, ReLU):
        return 0, (FLOAT32 + BOOL) * out, (FLOAT32 + BOOL) * out
    if isinstance(layer, Dropout):
        return 0, MASK_DRAW * out, MASK_DRAW * out
    if isinstance(layer, LRN):
        return 2 * FLOAT32 * out, _lrn_peak(layer, batch, shape), _lrn_peak(layer, batch, shape)
    return 0, 2 * FLOAT32 * out, 2 * FLOAT32 * out


def _lrn_peak(norm, batch, shape):
    """The peak of the LRN ``norm`` (ops.lrn's) on maps of ``shape`` (C, H, W), each way, beside its input: the
    squared input padded over channels, and four arrays of the maps' size."""
    channels, height, width = shape
    return FLOAT32 * batch * (channels + norm.size - 1 + 4 * channels) * height * width


def _weights(layer):
    """A weight layer's parameters in bytes: its new gradients, made while the previous ones are held."""
    return FLOAT32 * sum(param.data.size for param in layer.params) * (not layer.frozen)


def update_peak(net):
    """The temporaries of ``optim.step`` on NumPy (ops.sgd._step): two of the largest trainable parameter's size
    (its decayed gradient, then the scaled one)."""
    return 2 * FLOAT32 * max((param.data.size for param in net.params if not param.frozen), default=0)
