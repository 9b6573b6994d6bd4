"""The training step (minitransfer/step.py): the NumPy reference, and the CUDA paths on the CPU emulation
of tests/cuda_emulator.py (the real kernels and launchers) and, marked gpu, on a GPU: the lean path
(fused kernels, one-launch solver, workspace, device scalars) and its CUDA graph bit for bit
against the plain path over several iterations, rebuilt on a new batch size or precision, the
launch count against the launch plan, training runs with and without the graph (resumed, frozen,
evaluated, checkpointed) identical; on the emulation only: no allocation after the first step,
CaffeNet's count within issue 11's 40, and a clear out-of-memory error."""

import numpy as np
import pytest

from cuda_emulator import cache_dir, install, AVAILABLE, REASON
from minitransfer import cuda, models, optim
from minitransfer.cli._errors import option_text
from minitransfer.ops import sgd
from minitransfer.step import OutOfDeviceMemory, TrainingStep, launch_plan

CLASSES = 10
SOLVER = optim.Solver(base_lr=0.01, stepsize=2)  # the learning rate changes at iteration 2


def make_net(n_frozen=0, precision="ieee", device="cpu"):
    net = models.mini(CLASSES)
    net.initialize(3)
    net.freeze(n_frozen)
    return net.to(device, precision=precision)


def batches(count, batch=4, seed=0):
    rng = np.random.default_rng(seed)
    return [((40 * rng.standard_normal((batch, 3, 32, 32))).astype(np.float32),
             rng.integers(0, CLASSES, batch).astype(np.int32)) for _ in range(count)]


def state(net):
    return [np.asarray(a.get() if cuda.is_cuda_array(a) else a).tobytes() for p in net.params for a in (p.data, p.velocity)]


def train(step, data, xp=np, start=0):
    losses = []
    for iteration, (x, labels) in enumerate(data, start):
        result = step(xp.asarray(x), xp.asarray(labels), iteration)
        losses.append(np.asarray(result.loss.get() if cuda.is_cuda_array(result.loss) else result.loss).tobytes())
    return losses


@pytest.fixture
def gpu(cuda_xp):
    """The CuPy module of the CUDA backend under test (conftest's ``cuda_xp``)."""
    return cuda_xp


@pytest.fixture
def emulated(monkeypatch, tmp_path_factory):
    """The CPU emulation only: its memory pool can be watched and starved."""
    if not AVAILABLE:
        pytest.skip(REASON)
    install(monkeypatch, cache_dir(tmp_path_factory))
    return cuda.cupy()


# ---------------------------------------------------------------------------------------------
# NumPy


def test_numpy_step_is_forward_backward_update():
    data = batches(3)
    net, reference = make_net(), make_net()
    losses = train(TrainingStep(net, SOLVER, seed=5), data)
    for iteration, (x, labels) in enumerate(data):
        loss, _ = reference.forward(x, labels, train=True, iteration=iteration, seed=5)
        reference.backward()
        optim.step(reference.params, SOLVER, iteration)
        assert losses[iteration] == np.asarray(loss).tobytes()
    assert state(net) == state(reference)


def test_a_non_finite_loss_updates_nothing():
    net = make_net()
    net.layer("fc8").bias.data[0] = np.inf  # a ReLU would stop a NaN input; the logits carry this one
    before = state(net)
    x, labels = batches(1)[0]
    with np.errstate(invalid="ignore", over="ignore"):
        result = TrainingStep(net, SOLVER, seed=5)(x, labels, 0)
    assert not np.isfinite(result.loss) and state(net) == before


# ---------------------------------------------------------------------------------------------
# CUDA, emulated


@pytest.mark.parametrize("n_frozen, precision", [(0, "ieee"), (3, "ieee"), (0, "tf32x3"), (7, "tf32")])
def test_lean_step_and_its_graph_are_the_plain_step_bit_for_bit(gpu, n_frozen, precision):
    # Three iterations: the graph's eager step (0), its capture and first replay (1), a replay at the solver's
    # new learning rate (2): every path a fourth iteration (one more replay) took, at 3/4 of the emulation's time.
    # Batch 2 launches the same kernels as batch 4 (every entry point, split-K reductions included) at 3/4 of
    # tf32x3's time; batch 1 would drop one (conv2d_reduce_splits: no split-K in ieee).
    data = batches(3, batch=2)
    results = {}
    for mode in ("plain", "fused", "graph"):
        net = make_net(n_frozen, precision, "cuda")
        step = TrainingStep(net, SOLVER, seed=5, fused=mode != "plain", cuda_graph=mode == "graph")
        results[mode] = (train(step, data, gpu), state(net))
        if mode == "graph":
            assert step._graph is not None
    assert results["fused"] == results["plain"]
    assert results["graph"] == results["plain"]


def test_plain_cuda_step_follows_the_numpy_reference(gpu):
    data = batches(2)
    cpu, emulated = make_net(), make_net(device="cuda")
    train(TrainingStep(cpu, SOLVER, seed=5), data)
    train(TrainingStep(emulated, SOLVER, seed=5, fused=True), data, gpu)
    for a, b in zip(cpu.params, emulated.params):
        np.testing.assert_allclose(b.data.get(), a.data, rtol=1e-4, atol=1e-6, err_msg=a.name)


def test_the_lean_step_allocates_nothing_after_its_first(emulated, monkeypatch):
    gpu = emulated
    data = batches(3)
    step = TrainingStep(make_net(device="cuda"), SOLVER, seed=5, fused=True)
    train(step, data[:1], gpu)
    workspace, size = step._workspace, step._workspace.nbytes
    assert size > 0 and workspace.sealed
    pool = gpu.get_default_memory_pool()
    monkeypatch.setattr(pool, "malloc", lambda nbytes: pytest.fail(f"allocated {nbytes} bytes inside a step"))
    train(step, data[1:], gpu, start=1)
    assert step._workspace is workspace and workspace.nbytes == size


def test_a_new_batch_size_or_precision_rebuilds_the_workspace_and_the_graph(gpu):
    net = make_net(device="cuda")
    step = TrainingStep(net, SOLVER, seed=5, cuda_graph=True)
    train(step, batches(2, batch=4), gpu)
    first_workspace, first_graph = step._workspace, step._graph
    train(step, batches(2, batch=3, seed=1), gpu, start=2)  # a last, smaller batch
    assert step._workspace is not first_workspace and step._graph is not first_graph
    assert step._graph is not None and step._inputs[0].shape[0] == 3
    net.to("cuda", precision="tf32")  # any new precision; tf32's one mma per product emulates at 1/3 of tf32x3's cost
    train(step, batches(1, batch=3, seed=2), gpu, start=4)
    assert step._signature[4] == "tf32" and step._graph is None  # eager first, captured from the next step

    fresh = make_net(device="cuda")
    reference = TrainingStep(fresh, SOLVER, seed=5)
    train(reference, batches(2, batch=4), gpu)
    train(reference, batches(2, batch=3, seed=1), gpu, start=2)
    fresh.to("cuda", precision="tf32")
    train(reference, batches(1, batch=3, seed=2), gpu, start=4)
    assert state(net) == state(fresh)


def test_new_parameter_arrays_rebuild_the_graph(gpu):
    """Copying weights in (a transfer, a resume) replaces the arrays a captured graph points at."""
    net = make_net(device="cuda")
    step = TrainingStep(net, SOLVER, seed=5, cuda_graph=True)
    train(step, batches(2), gpu)
    graph = step._graph
    layer = net.layer("fc7")
    layer.set_weights(layer.weight.data.copy(), layer.bias.data.copy())
    train(step, batches(1, seed=3), gpu, start=2)
    assert step._graph is not graph


def test_a_graph_outlives_the_solvers_cache_of_device_tables(gpu):
    """The graph's one-launch solver reads a device table of the parameters' addresses: it must live
    as long as the graph, however many other parameter sets were updated meanwhile (a benchmark
    keeps 18 lean steps in one process: a cache that evicted it handed its memory to another table)."""
    data = batches(3)
    step = TrainingStep(make_net(device="cuda"), SOLVER, seed=5, cuda_graph=True)
    reference = TrainingStep(make_net(device="cuda"), SOLVER, seed=5, fused=True)
    train(step, data[:2], gpu)
    train(reference, data[:2], gpu)
    others = [[gpu.asarray(np.full(5, value, np.float32)) for value in (1.0, 0.5, 0.0)] for _ in range(17)]
    for w, grad, velocity in others:
        sgd.update_all([(w, grad, velocity, 1.0, 1.0)], 0.1, 0.9, 0.0)
    train(step, data[2:], gpu, start=2)
    train(reference, data[2:], gpu, start=2)
    assert state(step.net) == state(reference.net)


def test_lean_step_skips_the_update_on_a_non_finite_loss(gpu):
    net = make_net(device="cuda")
    step = TrainingStep(net, SOLVER, seed=5, cuda_graph=True)
    data = batches(3)
    train(step, data[:2], gpu)
    net.layer("fc8").bias.data[0] = np.inf  # in place: the graph still points at it
    before = state(net)
    x, labels = data[2]
    result = step(gpu.asarray(x), gpu.asarray(labels), 2)
    assert not np.isfinite(result.loss.get()) and state(net) == before


def kernel_family(entry):
    """A launched entry point's kernel as the launch plan names it (dtype, variant, transposes aside)."""
    name = entry.rsplit("_", 1)[0]
    if name.startswith("gemm_") and not name.startswith("gemm_reduce_splits"):
        return "gemm"
    for family in ("conv2d_forward", "conv2d_backward_data", "conv2d_backward_filter"):
        if name.startswith(family):
            return family
    return name


@pytest.mark.parametrize("n_frozen", [0, 4, 7])
def test_the_step_launches_what_the_launch_plan_says(gpu, n_frozen):
    net = make_net(n_frozen, device="cuda")
    step = TrainingStep(net, SOLVER, seed=5, fused=True)
    x, labels = batches(1)[0]
    with cuda.recording_launches() as launches:
        step(gpu.asarray(x), gpu.asarray(labels), 0)
    plan = launch_plan(net, 4, cuda.sm_count())
    assert [kernel_family(launch.name) for launch in launches] == [planned.kernel for planned in plan]


def test_caffenet_iteration_is_at_most_40_launches(monkeypatch, tmp_path):
    """Issue 11's target, counted on the real launch path at batch 256 on 132 SMs (an H100, an H200):
    the kernels are not run (the emulation only records), the count must equal the plan's."""
    emulator = install(monkeypatch, tmp_path, sm_count=132, execute=False)
    cp = cuda.cupy()
    net = models.caffenet(1000)
    net.initialize(0)
    net.to("cuda")
    x = cp.empty((256, 3, 227, 227), dtype=np.float32)
    labels = cp.zeros(256, dtype=np.int32)
    step = TrainingStep(net, optim.Solver(), seed=0, fused=True)
    with cuda.recording_launches() as launches:
        step(x, labels, 0)
    plan = launch_plan(net, 256, 132)
    assert len(launches) == len(plan) == 37 <= 40
    assert sum(p.phase == "forward" for p in plan) == 15 and sum(p.phase == "backward" for p in plan) == 21
    assert len(emulator.launches) == 37


def test_out_of_memory_names_the_batch_size_and_the_memory(emulated, monkeypatch):
    gpu = emulated
    step = TrainingStep(make_net(device="cuda"), SOLVER, seed=5, fused=True)
    pool = gpu.get_default_memory_pool()
    real_malloc, allocated = pool.malloc, []

    def scarce(nbytes):
        if sum(allocated) + nbytes > 3 * 2**20:
            raise MemoryError("out of memory")  # the stand-in's OutOfMemoryError
        allocated.append(nbytes)
        return real_malloc(nbytes)

    monkeypatch.setattr(pool, "malloc", scarce)
    x, labels = batches(1, batch=64)[0]
    needs = r"at batch size 64 .* needs more than \d+\.\d\d GiB .* lower `batch_size`$"  # the field a notebook sets
    with pytest.raises(OutOfDeviceMemory, match=needs) as refused:
        step(gpu.asarray(x), gpu.asarray(labels), 0)
    assert option_text(str(refused.value)).endswith("; lower --batch-size")


# ---------------------------------------------------------------------------------------------
# Training runs, with and without the graph


def _run_files(out):
    from minitransfer import checkpoint as checkpoints

    final = checkpoints.load(out)
    resumable = checkpoints.load(out.parent / f"{out.stem}.run" / "checkpoint.h5")
    rows = (out.parent / f"{out.stem}.run" / "eval.csv").read_text()
    return ({name: [a.tobytes() for a in arrays] for name, arrays in final.weights.items()},
            {name: [a.tobytes() for a in arrays] for name, arrays in resumable.solver.velocity.items()},
            final.frozen, rows)


def test_training_runs_identically_with_and_without_the_graph(cuda_xp, synthetic_8, tmp_path):
    """Issue 11: resume, evaluation, freezing and checkpoints identical with and without --cuda-graph;
    a base, then a transfer with three frozen layers, the graph run interrupted and resumed."""
    import os
    import signal

    from minitransfer import train as training

    # Batch 8 (the emulation's time goes with it), evaluated at 16 as before: 40 images, a last batch of 8.
    options = dict(data=synthetic_8, seed=4, batch_size=8, eval_batch_size=16, max_iter=6, eval_every=3,
                   checkpoint_every=3, quiet=True, device="cuda")
    results = {}
    for graph in (False, True):
        folder = tmp_path / ("graph" if graph else "plain")
        base = folder / "baseA.h5"
        training.train(training.TrainConfig(out=str(base), half="A", cuda_graph=graph, **options))
        transfer = folder / "A3B.h5"
        config = training.TrainConfig(out=str(transfer), copy_from=str(base), n=3, frozen=True, cuda_graph=graph,
                                      **options)
        if graph:
            def interrupt(done):
                if done == 4:
                    os.kill(os.getpid(), signal.SIGINT)

            with pytest.raises(training.Interrupted):
                training.train(config, on_iteration=interrupt)
            config = training.TrainConfig(**{**config.to_dict(), "resume": "auto"})
        training.train(config)
        results[graph] = (_run_files(base), _run_files(transfer))
    assert results[True] == results[False]
    assert results[True][1][2]["conv3"] and not results[True][1][2]["conv4"]


def test_a_graph_too_large_to_instantiate_gives_the_same_message(emulated, monkeypatch):
    from fake_cupy import CUDARuntimeError, FakeStream

    step = TrainingStep(make_net(device="cuda"), SOLVER, seed=5, cuda_graph=True)
    train(step, batches(1), emulated)

    def no_room(self):
        raise CUDARuntimeError(2)  # cudaErrorMemoryAllocation

    monkeypatch.setattr(FakeStream, "end_capture", no_room)
    with pytest.raises(OutOfDeviceMemory, match=r"at batch size 4 .* GiB"):
        train(step, batches(1, seed=1), emulated, start=1)
    monkeypatch.setattr(FakeStream, "end_capture", lambda self: (_ for _ in ()).throw(CUDARuntimeError(700)))
    step._graph = None
    with pytest.raises(CUDARuntimeError):  # any other failure stays itself
        train(step, batches(1, seed=2), emulated, start=2)
