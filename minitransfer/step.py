"""One training iteration — forward, backward, update — as the training loop runs it (issue 11).

    step = TrainingStep(net, solver, seed, cuda_graph=False)
    loss, logits, lr = step(x, labels, iteration)

NumPy: ``net.forward``, then, if the loss is finite, ``net.backward`` and ``optim.step``.

CUDA, plain (the default): the same three calls on the unfused kernels, the loss read back before
the update (one host synchronisation per iteration), as before this module existed.

CUDA, lean (``fused=True``; ``cuda_graph=True`` implies it). UNVERIFIED ON A GPU: the kernels run on
the CPU emulation in the tests, and their results are bit-identical to the plain path's there.

- the net's fused kernels (``minitransfer.stages``); :func:`launch_plan` lists the launches;
- one launch for the solver (``optim.step`` with the device's step scalars);
- no allocation inside the step: a :class:`Workspace` sized by the first step of each signature
  (batch shape, precision, frozen layers, parameter arrays) takes CuPy's allocations and hands the
  same buffers back, in the same order, every later step; a new signature builds a new one;
- no host synchronisation: the iteration and learning rate reach the device by one asynchronous
  copy, the update is skipped on the device when the loss is not finite (as the plain path never
  updates then), and the loss is read only when the caller reads it;
- with ``cuda_graph``, the whole step is captured once (CuPy stream capture) after one eager step,
  then replayed every iteration, the batch first copied into the graph's input buffers.

An allocation that fails raises :class:`OutOfDeviceMemory` naming the batch size and the memory.
"""

import contextlib
import math
from typing import NamedTuple

import numpy as np

from minitransfer import cuda, optim
from minitransfer.config import ConfigError
from minitransfer.disk_space import size_said
from minitransfer.ops import gemm

CUDA_ERROR_MEMORY_ALLOCATION = 2  # cudaErrorMemoryAllocation, e.g. from a graph's instantiation
LOWER_BATCH = "; lower `batch_size`"  # how OutOfDeviceMemory's message ends


class OutOfDeviceMemory(ConfigError):
    """A training step does not fit in the GPU's memory at this batch size (exit code 2)."""


class Workspace:
    """The device buffers of one training step, allocated in the same order every step.

    ``with workspace.active():`` routes CuPy's allocations to :meth:`allocate`: the first pass
    takes each buffer from CuPy's pool and keeps it; later passes get the same buffers back in
    order, and must ask for the same sizes (else :class:`RuntimeError`: the step changed)."""

    def __init__(self):
        self.buffers, self.sizes = [], []
        self.position = 0
        self.sealed = False
        self.failed_request = None

    @property
    def nbytes(self):
        return sum(self.sizes)

    def allocate(self, size):
        if self.position < len(self.buffers):
            if self.sizes[self.position] != size:
                raise RuntimeError(f"training step: allocation {self.position} asks for {size} bytes, "
                                   f"the first step's for {self.sizes[self.position]}")
            memory = self.buffers[self.position]
        elif self.sealed:
            raise RuntimeError(f"training step: allocation {self.position} was not made by the first step")
        else:
            try:
                memory = cuda.cupy().get_default_memory_pool().malloc(size)
            except cuda.cupy().cuda.memory.OutOfMemoryError:
                self.failed_request = size
                raise
            self.buffers.append(memory)
            self.sizes.append(size)
        self.position += 1
        return memory

    @contextlib.contextmanager
    def active(self):
        self.position = 0
        with cuda.cupy().cuda.using_allocator(self.allocate):
            yield self
        if self.sealed and self.position != len(self.buffers):
            raise RuntimeError(f"training step: {self.position} allocations, the first step made {len(self.buffers)}")
        self.sealed = True


class StepResult(NamedTuple):
    loss: object     # 0-d array; on the lean path a device buffer the next step overwrites
    logits: object
    lr: float


class TrainingStep:
    """Forward, backward and update of ``net`` with ``solver`` (dropout seed ``seed``); see the module."""

    def __init__(self, net, solver, seed, fused=False, cuda_graph=False):
        self.net, self.solver, self.seed = net, solver, int(seed)
        self.cuda_graph = bool(cuda_graph)
        self.fused = bool(fused) or self.cuda_graph
        net.fused = self.fused
        self._signature = self._workspace = self._graph = self._outputs = None
        self._inputs = self._stream = None
        # whether the last call began its update (the weights it changes): where it failed before, the
        # weights and momentum are the previous iteration's still (a NumPy step's forward and backward
        # assign activations and gradients only); True where unknown, the lean path's launches
        self.update_begun = True

    def __call__(self, x, labels, iteration, marks=None):
        """One iteration on the batch ``x``, ``labels``; a :class:`StepResult`.

        ``marks(phase)``, when given, is called after each phase ("forward", "backward", "solver";
        on the stream the step runs on) of an eager step: a benchmark records CUDA events there. A
        replayed graph has no phases: it is not called then."""
        if not cuda.is_cuda_array(x):
            return self._reference(x, labels, iteration, marks)
        self.update_begun = True
        cp = cuda.cupy()
        try:
            if self.fused:
                return self._lean(x, labels, iteration, marks)
            return self._reference(x, labels, iteration, marks)
        except (cp.cuda.memory.OutOfMemoryError, cp.cuda.runtime.CUDARuntimeError) as error:
            if isinstance(error, cp.cuda.runtime.CUDARuntimeError) and error.status != CUDA_ERROR_MEMORY_ALLOCATION:
                raise
            raise self._out_of_memory(x) from error  # a buffer, or the graph's instantiation

    def _reference(self, x, labels, iteration, marks=None):
        net, mark = self.net, marks or (lambda phase: None)
        self.update_begun = False
        loss, logits = net.forward(x, labels, train=True, iteration=iteration, seed=self.seed)
        mark("forward")
        lr = optim.learning_rate(self.solver, iteration)
        with np.errstate(over="ignore", invalid="ignore"):
            if not math.isfinite(float(loss)):
                return StepResult(loss, logits, lr)  # the caller reports it; nothing is updated
            net.backward()
            mark("backward")
            self.update_begun = True
            lr = optim.step(net.params, self.solver, iteration)
            mark("solver")
            return StepResult(loss, logits, lr)

    # --- the lean path ----------------------------------------------------------------------

    def _lean(self, x, labels, iteration, marks=None):
        cp = cuda.cupy()
        signature = self._signature_of(x, labels)
        if signature != self._signature:
            self._rebuild(signature, x, labels)
        caller = cp.cuda.get_current_stream()
        self._stream.wait_event(caller.record())  # the batch was made on the caller's stream
        lr = optim.learning_rate(self.solver, iteration)
        with self._stream:
            self.net.step_scalars.write(iteration=iteration, lr=lr)
            if self.cuda_graph:
                self._copy_inputs(x, labels)
                x, labels = self._inputs
                if self._graph is None and self._workspace.sealed:
                    self._capture(x, labels, iteration)
            if self._graph is not None:
                self._graph.launch(stream=self._stream)
                loss, logits = self._outputs
            else:
                loss, logits = self._body(x, labels, iteration, marks)
        caller.wait_event(self._stream.record())  # the caller reads the loss on its stream
        return StepResult(loss, logits, lr)

    def _body(self, x, labels, iteration, marks=None):
        """The step's launches, every one of them inside the workspace."""
        net, mark = self.net, marks or (lambda phase: None)
        with self._workspace.active():
            loss, logits = net.forward(x, labels, train=True, iteration=iteration, seed=self.seed)
            mark("forward")
            net.backward()
            mark("backward")
            optim.step(net.params, self.solver, iteration, scalars=net.step_scalars, loss=loss)
            mark("solver")
        return loss, logits

    def _capture(self, x, labels, iteration):
        scalars = self.net.step_scalars
        scalars.capturing = True
        self._stream.begin_capture()
        try:
            outputs = self._body(x, labels, iteration)
        except BaseException:
            with contextlib.suppress(Exception):
                self._stream.end_capture()
            raise
        finally:
            scalars.capturing = False
        self._graph, self._outputs = self._stream.end_capture(), outputs

    def _signature_of(self, x, labels):
        params = tuple((p.data.data.ptr, p.velocity.data.ptr) for p in self.net.params)
        return (tuple(x.shape), str(x.dtype), tuple(labels.shape), str(labels.dtype), self.net.precision,
                self.net.frozen, self.solver, self.seed, params)

    def _rebuild(self, signature, x, labels):
        """A new workspace (and graph) for a new batch shape, precision, frozen set or parameter arrays."""
        cp = cuda.cupy()
        self._signature, self._workspace, self._graph, self._outputs = signature, Workspace(), None, None
        if self._stream is None:
            self._stream = cp.cuda.Stream(non_blocking=True)
        if self.net.step_scalars is None:
            self.net.step_scalars = cuda.StepScalars()
        if self.cuda_graph:
            self._inputs = (cuda.persistent_empty(x.shape, x.dtype), cuda.persistent_empty(labels.shape, labels.dtype))

    def _copy_inputs(self, x, labels):
        cp = cuda.cupy()
        for source, target in zip((x, labels), self._inputs):
            cp.cuda.runtime.memcpyAsync(target.data.ptr, cp.ascontiguousarray(source).data.ptr, target.nbytes,
                                        cp.cuda.runtime.memcpyDeviceToDevice, self._stream.ptr)

    def _out_of_memory(self, x):
        cp = cuda.cupy()
        free, total = cp.cuda.Device().mem_info
        workspace = self._workspace
        if self.fused and workspace is not None:
            needed = workspace.nbytes + (workspace.failed_request or 0)
            what = f"its buffers took {_gib(workspace.nbytes)} before a request of " \
                   f"{_gib(workspace.failed_request or 0)} failed"
        else:
            needed = cp.get_default_memory_pool().used_bytes()
            what = "CuPy's memory pool held that much when an allocation failed"
        return OutOfDeviceMemory(
            f"out of GPU memory: a training step of {self.net.preset} at batch size {x.shape[0]} "
            f"(precision {self.net.precision}) needs more than {_gib(needed)} ({what}); the GPU has "
            f"{_gib(free)} free of {_gib(total)}{LOWER_BATCH}")


def _gib(size):
    """GPU memory as nvidia-smi and CuPy count it (binary units): "1.25 GiB"."""
    return size_said(size, 2, "GiB")


# ---------------------------------------------------------------------------------------------
# The launch plan of the lean path


class PlannedLaunch(NamedTuple):
    stage: str
    phase: str    # forward, backward or solver
    kernel: str   # what runs (a kernel family, not an entry point)


def launch_plan(net, batch, sm_count, precision=None):
    """The launches of one lean training step of ``net`` (its frozen layers as set) at ``batch``
    on a GPU of ``sm_count`` SMs, in order, derived from its stages and the GEMM split plans alone.

    Example::

        len(launch_plan(models.caffenet(1000), 256, sm_count=132))   # CaffeNet on an H100
    """
    precision = precision or net.precision
    shapes = dict(net.shapes())
    bottom = next(i for i, stage in enumerate(net.stages)
                  if any(not getattr(layer, "frozen", True) for layer in stage.layers))
    forward, backward = [], []
    for index, stage in enumerate(net.stages):
        in_features = int(np.prod(net.input_shape if index == 0 else shapes[net.stages[index - 1].layers[-1].name]))
        sizes = (batch, in_features, sm_count, precision)
        forward += [PlannedLaunch(stage.name, "forward", kernel) for kernel in _forward_launches(stage, *sizes)]
        if index >= bottom:
            backward.append([PlannedLaunch(stage.name, "backward", kernel)
                             for kernel in _backward_launches(stage, *sizes, index > bottom)])
    loss = [PlannedLaunch("loss", "forward", "softmax_cross_entropy_step")]
    solver = [PlannedLaunch("solver", "solver", "sgd_update_all")]
    return forward + loss + [launch for launches in backward[::-1] for launch in launches] + solver


def _gemm_launches(m, n, k, sm_count, precision, epilogue):
    splits, _, _ = gemm.plan(m, n, k, np.float32, precision, sm_count=sm_count)
    return ["gemm"] + (["gemm_reduce_splits"] if splits > 1 or epilogue else [])


def _forward_launches(stage, batch, in_features, sm_count, precision):
    kind = type(stage).__name__
    if kind == "ConvStage":
        return ["conv2d_forward"]
    if kind == "PoolStage":
        return ["max_pool2d_lrn_forward" if stage.lrn is not None else "max_pool2d_forward"]
    if kind == "LinearStage":
        out = stage.fc.weight.data.shape[0]
        return _gemm_launches(batch, out, in_features, sm_count, precision, stage.activation is not None)
    return [] if type(stage.layers[0]).__name__ == "Flatten" else [stage.layers[0].op.__name__.split(".")[-1]]


def _backward_launches(stage, batch, in_features, sm_count, precision, need_dx):
    """In the order they run."""
    kind = type(stage).__name__
    if kind == "ConvStage":
        return (["conv2d_backward_data"] if need_dx else []) + ["conv2d_backward_filter"]
    if kind == "PoolStage":
        return ["max_pool2d_lrn_backward" if stage.lrn is not None else "max_pool2d_backward"]
    if kind == "LinearStage":
        out = stage.fc.weight.data.shape[0]
        dx = _gemm_launches(batch, in_features, out, sm_count, precision, stage.masks_input) if need_dx else []
        return dx + _gemm_launches(out, in_features, batch, sm_count, precision, False)
    return [] if type(stage.layers[0]).__name__ == "Flatten" else [stage.layers[0].op.__name__.split(".")[-1]]
