"""The ``minitransfer`` command: ``python -m minitransfer``, and the script pip installs
(:func:`command`)."""

from minitransfer import stopping


def command():
    """Run the command line, a stop signal answered from the start: before the half second of
    importing it (:func:`minitransfer.stopping.stop_as_it_starts`)."""
    stopping.stop_as_it_starts()
    from minitransfer.cli import main

    try:
        main(prog_name="minitransfer")
    finally:  # its exit code stands, even where a stop landed in a string's exec (python -m)
        stopping.forget_interrupts_handled()


if __name__ == "__main__":
    command()
