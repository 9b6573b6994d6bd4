"""``python -m minitransfer``: the ``minitransfer`` command, where its script is not on PATH."""

from minitransfer.cli import main

main(prog_name="minitransfer")
