"""Commands a message prints, run as pasted into a new shell: no MINITRANSFER_PRESET_SOURCES, `minitransfer` this
checkout's (test_own_preset_commands_pasted, test_own_preset_advice_pasted, test_copied_runs_commands_pasted)."""

import os
import re
import subprocess
import sys

from test_drift_dry_run_preset import new_shell_env


def paste(said, cwd):
    """The first command in backquotes in ``said``, run as pasted into a new shell in ``cwd``: (the command, its
    completed process)."""
    command = re.search(r"`([^`]+)`", said).group(1)
    installed = cwd / "bin"
    installed.mkdir(exist_ok=True)
    (installed / "minitransfer").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m minitransfer "$@"\n')
    (installed / "minitransfer").chmod(0o755)
    env = new_shell_env()
    env["PATH"] = os.pathsep.join(filter(None, [str(installed), env.get("PATH")]))
    return command, subprocess.run(["bash", "-c", command], cwd=cwd, capture_output=True, text=True, env=env,
                                   timeout=120)


def ran(command, done):
    """``done``, the pasted ``command`` run (:func:`paste`), where it succeeded."""
    assert done.returncode == 0, f"{command}\n{done.stdout}{done.stderr}"
    return done
