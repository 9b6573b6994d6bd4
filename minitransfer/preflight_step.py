"""What a training step of the NumPy reference holds at its peak, besides the parameters and the
batch: the account :func:`minitransfer.preflight_memory.training_bytes` adds them and the loader to.

A step runs the net's stages (:mod:`minitransfer.stages`) forward, then backward from the top. Each
stage keeps, from its forward to its own backward, its output (the next stage's input and ReLU mask,
freed when that stage's backward ends; its gradient takes its place until this stage's ends) and what
its cache holds besides (:class:`StageMemory`): a convolution's im2col columns, a pooling's argmax, an
LRN's input, scale and scale^-beta. Every array is counted once: a ReLU or a dropout fused into the
stage before it replaces that stage's output, a Flatten is a view. Over what is held, each op makes
temporaries while it runs: :func:`step_peak` walks the stages in the step's order and takes the
largest sum. The figures follow the NumPy code of ``minitransfer.ops`` (``precision="ieee"``; the
TF32 emulations split their operands into more copies), array by array, as each function's locals
live; a change there that keeps another array alive belongs here too.

Measured with tracemalloc over two steps, the weights built inside the trace: 0.97-1.00 times the
estimate (micro at batch 8-4096, mini at 1-1024, caffenet at 1-24; ``tests/test_memory_measured.py``).
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


class StageMemory(NamedTuple):
    """One stage's arrays in a training step, in bytes."""

    kept: int      # what its forward keeps for its backward besides its output
    output: int    # its output (then its gradient)
    forward: int   # its forward's peak over what was held before it (its kept and output included)
    backward: int  # its backward's peak over what is held as it starts (its kept and output's gradient included)


def step_peak(net, batch):
    """The most bytes a training step of ``net`` at ``batch`` holds at once besides its parameters,
    their gradients, momentum and the input batch: the stages' kept arrays and outputs as the forward
    adds them and the backward frees them, plus the temporaries of the op running (:class:`StageMemory`),
    and the loss's."""
    stages = list(stage_memories(net, batch))
    held = peak = 0
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
    besides its parameters and the input batch: each stage's input (the batch's is the caller's) beside what
    its forward makes; nothing is kept for a backward (each stage's cache is dropped as it returns) and a
    pooling finds no argmax (ops.max_pool2d.output)."""
    shape, peak = net.input_shape, 0
    for index, stage in enumerate(net.stages):
        output = _output_shape(stage, shape)
        into = FLOAT32 * batch * math.prod(shape) * (index > 0 and not isinstance(stage.layers[0], Flatten))
        if isinstance(stage, PoolStage):
            making = _pool_output(stage, batch, shape, output)
        elif isinstance(stage, LinearStage):
            making = (2 * FLOAT32 + BOOL * (stage.activation is not None)) * batch * math.prod(output)
        elif isinstance(stage, LayerStage) and isinstance(stage.layers[0], Dropout):
            making = 0  # the identity
        else:
            making = _memory(stage, batch, shape, output, False).forward
        peak = max(peak, into + making)
        shape = output
    return peak + 3 * FLOAT32 * batch * net.num_outputs  # the loss: the shifted logits, their exp


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
    """The :class:`StageMemory` of each of ``net``'s stages at ``batch``, bottom up; the lowest trainable
    stage (the bottom one of a net not frozen) computes no input gradient, as in ``Net.backward``."""
    shape, bottom = net.input_shape, net.lowest_trainable_stage() or 0
    for index, stage in enumerate(net.stages):
        output = _output_shape(stage, shape)
        yield _memory(stage, batch, shape, output, index > bottom)
        shape = output


def _memory(stage, batch, shape, output, need_dx):
    into, out = batch * math.prod(shape), batch * math.prod(output)  # elements
    if isinstance(stage, ConvStage):
        kept, forward, backward = _conv(stage.conv, batch, shape, output, stage.activation is not None, need_dx)
    elif isinstance(stage, PoolStage):
        kept, forward, backward = _pool(stage.pool, stage.lrn, batch, shape, output)
    elif isinstance(stage, LinearStage):
        kept = 0
        # the product, then the bias added (a new array); the ReLU's mask and output; its output while a mask is drawn
        forward = (2 * FLOAT32 * out + BOOL * out * (stage.activation is not None) if stage.dropout_layer is None else
                   (FLOAT32 + MASK_DRAW) * out)
        backward = FLOAT32 * into * need_dx + _weights(stage.fc)
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


def _conv(conv, batch, shape, output, relu, need_dx):
    """(kept, forward, backward) of a convolution (ops.conv2d's reference): it keeps the im2col columns; its
    forward holds the padded input (images last) with the columns, then the product and its transposed copy
    (and the ReLU's mask and output); its backward the transposed dy, then dcols, the padded input gradient
    and dx, with this layer's new weight gradient beside its previous one."""
    channels, height, width = shape
    _, _, rows, columns = conv.weight.data.shape
    pad = conv.pad
    cols = FLOAT32 * batch * channels * rows * columns * output[1] * output[2]
    padded = FLOAT32 * batch * channels * (height + 2 * pad) * (width + 2 * pad)
    into, out = FLOAT32 * batch * math.prod(shape), FLOAT32 * batch * math.prod(output)
    forward = cols + max(padded, 2 * out + (out // FLOAT32 * BOOL if relu else 0))  # ReLU: y, its mask, its output
    backward = _weights(conv) + out + (cols + padded + into if need_dx else 0)
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
