"""The checks of experiment's options for SLURM's scripts (``--emit-slurm``): --sbatch-option, --gres and
--partition, --time, each refused as the command line reads it, before any work."""

import click

from minitransfer import config
from minitransfer.slurm_sbatch import check_not_the_scripts_own
from minitransfer.slurm_time import parse_time_limit


def check_sbatch_options(ctx, param, value):
    """Each an option of sbatch, as on its command line ("--account=lab"): sbatch refuses a script whose
    #SBATCH line holds a word of another kind ("account=lab"), and only once submit.sh submits it."""
    if any("\n" in option or "\r" in option for option in value):
        raise click.BadParameter("one #SBATCH option per --sbatch-option, without line breaks")
    for option in value:
        if not option.strip().startswith("-"):
            raise click.BadParameter(f"{option!r} is no sbatch option: give it as on sbatch's command line, e.g. "
                                     f"--sbatch-option=--account=lab")
        try:  # the scripts' own options as sbatch reads them (-Ht3, --sig=USR1@60 too), refused as emit_slurm does
            check_not_the_scripts_own(option, time_given_as="--time (e.g. --time 4:00:00)")
        except config.ConfigError as error:
            raise click.BadParameter(str(error)) from None
    return value


def check_sbatch_value(ctx, param, value):
    """--gres / --partition: one word. An empty one (an unset variable) asked for no GPU (jobs that
    train with --device cuda on none) or the default partition, without a word; one of two words split
    the #SBATCH line into an option and a word sbatch refuses at submission."""
    if value is None or "\n" in value or "\r" in value:  # a line break: refused in every #SBATCH line (slurm_sbatch.py)
        return value
    if not value.strip() or " " in value or "\t" in value:
        raise click.BadParameter(f"expected one word without spaces, e.g. "
                                 f"{'gpu:1' if param.name == 'gres' else 'gpu'}; got {value!r}")
    return value


def check_time_limit(ctx, param, value):
    """--time as sbatch reads it (:func:`~minitransfer.slurm_time.parse_time_limit`)."""
    if value is not None:
        try:
            parse_time_limit(value)
        except ValueError as error:
            raise click.BadParameter(str(error)) from None
    return value
