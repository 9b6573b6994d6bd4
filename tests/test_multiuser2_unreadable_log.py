"""A run folder a lab's group shares whose metrics.jsonl is another user's alone (mode 600): ``info`` and
``eval`` of its weights file, which they can read, ended "error: I/O: [Errno 13] Permission denied: '...'"
(exit code 74). info shows the network and says the log cannot be read, with its owner and mode; eval,
which needs no log, scores it."""

import os
import subprocess

from minitransfer import config, train
from minitransfer.data import synthetic
import test_grid_shared_folder as shared_folder
from test_grid_shared_folder import _umask, as_nobody

group_folder = shared_folder.group_folder  # a fixture: root's folder for the group nogroup, in /tmp


def _trained_with_its_log_private(folder):
    """A network trained in ``folder`` (umask 022: its files readable by all) whose metrics.jsonl is then made
    its owner's alone, as a umask 077 or a chmod leaves it: (weights file, metrics.jsonl)."""
    with _umask(0o022):
        data = folder / "data"
        synthetic.build_synthetic(data, classes=4, train_per_class=8, val_per_class=4, size=14, seed=1)
        net = folder / "net.h5"
        train.train(config.TrainConfig(out=str(net), data=str(data), preset="micro", split="all", seed=3,
                                       batch_size=16, max_iter=2, eval_every=2, quiet=True, device="cpu"))
    metrics = net.with_suffix(".run") / "metrics.jsonl"
    metrics.chmod(0o600)
    return net, metrics


def _minitransfer_as_nobody(*arguments):
    return subprocess.run(**as_nobody("-m", "minitransfer", *arguments), capture_output=True, text=True,
                          timeout=300)


def test_info_and_eval_of_a_network_whose_run_log_another_user_keeps_private(group_folder):
    net, metrics = _trained_with_its_log_private(group_folder)
    owner = "root" if os.geteuid() == 0 else str(os.geteuid())
    info = _minitransfer_as_nobody("info", net)
    assert info.returncode == 0, info.stderr[-800:]
    assert "layer   W" in info.stdout and "Errno" not in info.stderr
    assert f"{metrics}: cannot be read (Permission denied; it is {owner}'s, mode 600)" in info.stdout
    scored = _minitransfer_as_nobody("eval", net)
    assert scored.returncode == 0, scored.stderr[-800:]
    assert "top-1" in scored.stdout
