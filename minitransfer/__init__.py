"""minitransfer: how transferable are the features of each layer of a convnet?

A from-scratch reproduction of Yosinski, Clune, Bengio and Lipson, "How transferable are
features in deep neural networks?" (NIPS 2014). Every GPU operation is a hand-written CUDA
kernel (``kernels/``, launched through ``minitransfer.cuda``); a NumPy implementation of every
operation (``minitransfer.ops``) is the specification, the test oracle and the CPU fallback.

Importing minitransfer never needs CuPy or a GPU. ``except minitransfer.MinitransferError`` catches every
error it raises to its callers (:mod:`minitransfer.errors`); a stop (Ctrl-C) raises
:class:`minitransfer.run_outcome.Interrupted`, a KeyboardInterrupt (a grid's:
:class:`minitransfer.grid_outcome.GridInterrupted`, carrying its ``grid_outcome``).

Every command is a function too (its docstring says what it takes, returns and raises):

    prepare      minitransfer.data.folder.import_folder, minitransfer.data.cifar.import_cifar10 and
                 import_cifar100, minitransfer.data.tiny_imagenet.import_tiny_imagenet,
                 minitransfer.data.imagenet.import_imagenet, minitransfer.data.synthetic.build_synthetic
    train        minitransfer.train.train(minitransfer.train.TrainConfig(...)), a TrainResult
    experiment   minitransfer.experiment.plan_grid, then minitransfer.scheduler.run_grid
    report       minitransfer.report.write_report
    eval         minitransfer.evaluate.evaluate_checkpoint
    demo         minitransfer.demo.run_demo

``from minitransfer import train`` is the module; its function is ``minitransfer.train.train``.
"""

__version__ = "0.11.12"

from minitransfer import cpus as _cpus  # noqa: E402

_cpus.bound_blas_threads()  # before anything loads NumPy: its BLAS reads its thread count as it loads

from minitransfer.errors import MinitransferError  # noqa: E402

__all__ = ["MinitransferError"]
