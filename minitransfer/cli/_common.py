"""What the commands share, by one name: each part lives in its own module and is re-exported here.

- :mod:`._errors`: the exit codes, the table from errors to them, :func:`run` and the command group;
- :mod:`._output`: writing on stdout and stderr (:func:`echo`, :func:`say`, :func:`json_text`);
- :mod:`._options`: the options several commands share, with the library's defaults;
- :mod:`._paths`: the click types of the paths a command writes or reads (:class:`NetworkPath`);
- :mod:`._devices`: --gpus and the GPUs a grid's runs get (:func:`choose_devices`).

A test that patches one of these names patches it in the module that defines it: patched here, the
code that uses it would not see it.
"""

from ._devices import GpuIds, choose_devices
from ._errors import (EXIT_BAD_DATA, EXIT_CODES, EXIT_ERROR, EXIT_INTERRUPTED, EXIT_IO, EXIT_OUTPUT_CLOSED, EXIT_USAGE,
                      INTERRUPTED, CommandGroup, interrupt_on_stop_signals, option_text, run)
from ._options import (GRID_TRAIN_OPTIONS, PRECISION_HELP, SEED, PresetName, base_lr_option, batch_size_option,
                       changed_fields, checkpoint_argument, config_option, data_option, device_option,
                       eval_every_option, fc8_outputs_option, grid_train_options, max_iter_option, precision_option,
                       preset_option, seed_option, stepsize_option)
from ._output import (OutputUnwritable, displays_any_name, drop_output_if_reader_gone, echo, hold_standard_descriptors,
                      json_text, printing, refuse_closed_output, say)
from ._paths import NetworkPath, OutputFile, OutputFolder, refuse_unreadable, refuse_unwritable_path

__all__ = [
    "EXIT_ERROR", "EXIT_USAGE", "EXIT_BAD_DATA", "EXIT_IO", "EXIT_INTERRUPTED", "EXIT_OUTPUT_CLOSED", "EXIT_CODES",
    "INTERRUPTED", "run", "option_text", "CommandGroup", "interrupt_on_stop_signals",
    "OutputUnwritable", "say", "drop_output_if_reader_gone", "printing", "echo", "refuse_closed_output",
    "hold_standard_descriptors", "json_text", "displays_any_name",
    "PresetName", "changed_fields", "config_option", "device_option", "SEED", "seed_option", "preset_option",
    "fc8_outputs_option", "max_iter_option", "batch_size_option", "eval_every_option", "base_lr_option",
    "stepsize_option", "PRECISION_HELP", "precision_option", "data_option", "checkpoint_argument",
    "GRID_TRAIN_OPTIONS", "grid_train_options",
    "OutputFolder", "OutputFile", "refuse_unwritable_path", "NetworkPath", "refuse_unreadable",
    "GpuIds", "choose_devices",
]
