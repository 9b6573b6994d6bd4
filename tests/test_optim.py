"""Caffe momentum SGD (minitransfer/optim.py): the schedule, and one step against a hand-computed update."""

import numpy as np
import pytest

from minitransfer import models, optim
from minitransfer.layers import Param


def test_step_schedule_matches_caffe_policy():
    solver = optim.Solver(base_lr=0.01, gamma=0.1, stepsize=100_000)
    assert optim.learning_rate(solver, 0) == 0.01
    assert optim.learning_rate(solver, 99_999) == 0.01
    assert optim.learning_rate(solver, 100_000) == pytest.approx(0.001)
    assert optim.learning_rate(solver, 449_999) == pytest.approx(1e-6)


@pytest.mark.parametrize("max_iter, stepsize", [(450_000, 100_000), (300, 67), (45, 10), (1, 1), (900_000, 200_000)],
                         ids=lambda v: str(v))
def test_scaled_stepsize_keeps_the_papers_proportions(max_iter, stepsize):
    assert optim.PAPER.scaled(max_iter) == stepsize


@pytest.mark.parametrize("field, value", [("base_lr", 0.0), ("momentum", 1.0), ("weight_decay", -1.0),
                                          ("gamma", 0.0), ("stepsize", 0), ("max_iter", 2.5),
                                          ("base_lr", float("inf")), ("weight_decay", float("inf")),
                                          ("base_lr", "0.01"), ("momentum", "0.9"), ("gamma", True),
                                          ("max_iter", float("inf")), ("stepsize", float("nan")), ("stepsize", [4]),
                                          ("max_iter", "10")])
def test_solver_rejects_bad_hyper_parameters(field, value):
    with pytest.raises(ValueError, match=field):
        optim.Solver(**{field: value})



def test_solver_fault_names_a_recorded_solver_that_cannot_be():
    """A run's recorded configuration (read from a file: any value): the fault in Solver's words, or None;
    an infinite max_iter was an OverflowError, a list a TypeError, not the ValueError naming the field."""
    assert optim.solver_fault({"base_lr": 0.02, "max_iter": 10, "out": "x.h5"}) is None
    assert optim.solver_fault({"base_lr": float("nan")}) == "solver: `base_lr` must be a finite number, got nan"
    assert optim.solver_fault({"max_iter": float("inf")}) == "solver: `max_iter` must be an integer >= 1, got inf"


def test_the_default_solver_is_the_papers():
    """Supplement A: momentum 0.9, weight decay 0.0005, rate 0.01 divided by 10 every 100,000 of
    450,000 iterations (also Caffe's reference CaffeNet solver)."""
    assert (optim.CAFFE.base_lr, optim.CAFFE.momentum, optim.CAFFE.weight_decay) == (0.01, 0.9, 0.0005)
    assert (optim.CAFFE.gamma, optim.CAFFE.stepsize, optim.CAFFE.max_iter) == (0.1, 100_000, 450_000)
    assert optim.Solver() == optim.CAFFE


@pytest.mark.parametrize("iteration, rate", [(3, 0.1), (4, 0.05)], ids=["last-before-step", "first-after-step"])
def test_a_step_updates_with_the_rate_of_its_own_iteration(iteration, rate):
    """At a step boundary (stepsize 4: iterations 0..3 at base_lr, 4..7 at base_lr·γ), no momentum or
    decay: W = 1 − rate·∇W."""
    param = Param("fc/W", np.ones(3, np.float32))
    param.grad = np.full(3, 2.0, np.float32)
    solver = optim.Solver(base_lr=0.1, momentum=0.0, weight_decay=0.0, gamma=0.5, stepsize=4)
    assert optim.step([param], solver, iteration) == pytest.approx(rate)
    np.testing.assert_allclose(param.data, 1.0 - rate * 2.0, rtol=1e-6)

def _hand_update(w, grad, velocity, lr, momentum, decay):
    """Caffe's SGDSolver in float64: g = ∇W + wd·W; V = μV + lr·g; W = W − V."""
    w, grad, velocity = (a.astype(np.float64) for a in (w, grad, velocity))
    velocity = momentum * velocity + lr * (grad + decay * w)
    return w - velocity, velocity


def test_one_step_on_params_is_the_caffe_update():
    rng = np.random.default_rng(3)
    weight = Param("fc/W", rng.standard_normal((5, 7)).astype(np.float32), lr_mult=1.0, decay_mult=1.0)
    bias = Param("fc/b", rng.standard_normal(5).astype(np.float32), lr_mult=2.0, decay_mult=0.0)
    frozen = Param("conv/W", rng.standard_normal((3, 2)).astype(np.float32))
    frozen.frozen = True
    for param in (weight, bias, frozen):
        param.grad = rng.standard_normal(param.data.shape).astype(np.float32)
        param.velocity[...] = rng.standard_normal(param.data.shape).astype(np.float32)
    before = {p.name: (p.data.copy(), p.velocity.copy()) for p in (weight, bias, frozen)}
    solver = optim.Solver(base_lr=0.05, momentum=0.9, weight_decay=0.01, gamma=0.5, stepsize=3)

    lr = optim.step([weight, bias, frozen], solver, iteration=7)

    assert lr == pytest.approx(0.05 * 0.5**2)
    w_expected, vw_expected = _hand_update(*before["fc/W"][:1], weight.grad, before["fc/W"][1], lr * 1.0, 0.9, 0.01)
    b_expected, vb_expected = _hand_update(*before["fc/b"][:1], bias.grad, before["fc/b"][1], lr * 2.0, 0.9, 0.0)
    np.testing.assert_allclose(weight.data, w_expected, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(weight.velocity, vw_expected, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(bias.data, b_expected, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(bias.velocity, vb_expected, rtol=1e-6, atol=1e-7)
    assert np.array_equal(frozen.data, before["conv/W"][0])
    assert np.array_equal(frozen.velocity, before["conv/W"][1])


def test_one_step_on_a_net_updates_trainable_layers_only():
    rng = np.random.default_rng(11)
    net = models.mini(6)
    net.initialize(5)
    net.freeze(3)
    for param in net.params:
        param.velocity[...] = 0.01 * rng.standard_normal(param.data.shape).astype(np.float32)
    x = (40 * rng.standard_normal((4, 3, 32, 32))).astype(np.float32)
    labels = rng.integers(0, 6, 4).astype(np.int32)
    net.forward(x, labels, train=True, iteration=0)
    net.backward()
    before = {p.name: (p.data.copy(), p.velocity.copy()) for p in net.params}
    solver = optim.Solver(base_lr=0.02, momentum=0.9, weight_decay=0.0005)

    optim.step(net.params, solver, iteration=0)

    for layer in net.weight_layers:
        for param, lr_mult, decay in ((layer.weight, 1.0, 0.0005), (layer.bias, 2.0, 0.0)):
            w0, v0 = before[param.name]
            if layer.frozen:
                assert param.grad is None
                assert np.array_equal(param.data, w0) and np.array_equal(param.velocity, v0), param.name
                continue
            expected, _ = _hand_update(w0, param.grad, v0, 0.02 * lr_mult, 0.9, decay)
            np.testing.assert_allclose(param.data, expected, rtol=1e-6, atol=1e-7, err_msg=param.name)
            assert not np.array_equal(param.data, w0), param.name


def test_trainable_param_without_gradient_is_an_error():
    param = Param("fc/W", np.ones((2, 2), np.float32))
    with pytest.raises(ValueError, match="fc/W"):
        optim.step([param], optim.Solver(), 0)


def test_one_launch_step_reading_lr_on_the_device_is_the_per_parameter_step(monkeypatch, tmp_path_factory):
    """optim.step with the device's step scalars (the lean step's solver) on the CPU emulation of the
    CUDA backend: one launch, the same bits as one update per parameter, frozen ones untouched."""
    import cuda_emulator
    from minitransfer import cuda

    if not cuda_emulator.AVAILABLE:
        pytest.skip(cuda_emulator.REASON)
    cuda_emulator.install(monkeypatch, cuda_emulator.cache_dir(tmp_path_factory))
    nets = []
    for _ in range(2):
        net = models.mini(6)
        net.initialize(2)
        net.freeze(2)
        net.to("cuda")
        for param in net.params:
            param.grad = None if param.frozen else cuda.cupy().asarray(
                np.random.default_rng(len(param.name)).standard_normal(param.data.shape).astype(np.float32))
            param.velocity[...] = 0.5
        nets.append(net)
    solver = optim.Solver(base_lr=0.03, gamma=0.5, stepsize=4)
    scalars = cuda.StepScalars()
    with cuda.recording_launches() as launches:
        lr = optim.step(nets[0].params, solver, 9, scalars=scalars)
    assert len(launches) == 1 and lr == optim.step(nets[1].params, solver, 9) == 0.03 * 0.25
    assert float(scalars.lr.get()[0]) == lr
    for fused, each in zip(nets[0].params, nets[1].params):
        assert fused.data.get().tobytes() == each.data.get().tobytes(), fused.name
        assert fused.velocity.get().tobytes() == each.velocity.get().tobytes(), fused.name


@pytest.mark.parametrize("stepsize, max_iter, gamma", [(260, 780, 0.1), (100_000, 450_000, 0.1), (350, 1050, 0.5),
                                                       (1000, 780, 0.1), (1, 5, 0.1), (260, 780, 1.0)])
def test_last_rate_change_is_where_the_learning_rate_last_changes(stepsize, max_iter, gamma):
    solver = optim.Solver(gamma=gamma, stepsize=stepsize, max_iter=max_iter)
    changes = [i for i in range(1, max_iter) if optim.learning_rate(solver, i) != optim.learning_rate(solver, i - 1)]
    assert optim.last_rate_change(solver) == (changes[-1] if changes else 0)
