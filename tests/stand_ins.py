"""Stand-ins for ``minitransfer train`` that the grid's tests start as its train command."""


def stoppable_train(stop_signal):
    """The source of a train that holds its run's lock (marking ``<run>/training`` once it does) and, on
    ``stop_signal`` ("SIGINT": the grid's stop; "SIGTERM": the launcher's or the grid's death), writes a
    "checkpoint" and exits 75, as train does."""
    return f"""
import pathlib, signal, sys, time
from minitransfer import run_lock
weights = pathlib.Path(sys.argv[sys.argv.index("--out") + 1])
folder = weights.with_name(weights.stem + ".run")
def stop(*_):
    (folder / "checkpoint").write_text("stopped")
    sys.exit(75)
signal.signal(signal.{stop_signal}, stop)
with run_lock.RunLock(folder):
    (folder / "training").touch()
    time.sleep(600)
"""
