"""A dataset folder made unreadable while a run trains on it (``chmod 000`` or ``a-x`` on the folder) is named as
the folder at the run's next checkpoint check, with the chmod that gives it back: it was said as meta.json "not
readable by this user: give read access to it (chmod a+r)", which changed nothing, meta.json's own permissions
being sound. Real permissions: as root, the child runs without the capabilities that read past them (setpriv)."""

import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

# The child: opens the dataset and checks it, as a run's start does; then takes the permissions ``sys.argv[2]``
# (octal) off its folder, asks the check a checkpoint asks and gives the folder its permissions back; prints what
# the check raised as JSON.
CHILD = textwrap.dedent("""
    import json, os, sys
    from minitransfer.data import dataset
    data = dataset.open_dataset(sys.argv[1])
    data.check_checksums("train")
    os.chmod(sys.argv[1], int(sys.argv[2], 8))
    try:
        data.check_unchanged()
        print(json.dumps(None))
    except Exception as error:
        print(json.dumps([type(error).__name__, str(error)]))
    finally:
        os.chmod(sys.argv[1], 0o755)
""")


def _without_permission_override():
    """The command prefix that runs a child held to files' permissions: none for a user other than root; for root,
    setpriv dropping the capabilities that read past them (skipped where there is no setpriv)."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("root reads past permissions, and setpriv, which would drop that, is not installed")
    return ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--"]


@pytest.mark.parametrize("mode", ["000", "600"])
def test_folder_made_unreadable_is_named_as_the_folder(micro_data, tmp_path, mode):
    folder = tmp_path / "data with space"
    shutil.copytree(micro_data, folder)
    done = subprocess.run([*_without_permission_override(), sys.executable, "-c", CHILD, str(folder), mode],
                          capture_output=True, text=True, timeout=120, check=True)
    raised = json.loads(done.stdout.splitlines()[-1])
    assert raised is not None
    kind, message = raised
    assert kind == "DatasetUnreadable"  # exit 74
    assert message.startswith(f"{folder}: the dataset folder is no longer readable"), message
    assert f"chmod a+rx '{folder}'" in message
    assert "meta.json" not in message


def test_meta_file_made_unreadable_is_still_named_as_the_file(micro_data, tmp_path):
    """The folder sound, meta.json's own permissions taken away: meta.json is named, as before."""
    folder = tmp_path / "data"
    shutil.copytree(micro_data, folder)
    child = CHILD.replace("os.chmod(sys.argv[1], int(sys.argv[2], 8))",
                          "os.chmod(os.path.join(sys.argv[1], 'meta.json'), int(sys.argv[2], 8))")
    done = subprocess.run([*_without_permission_override(), sys.executable, "-c", child, str(folder), "000"],
                          capture_output=True, text=True, timeout=120, check=True)
    kind, message = json.loads(done.stdout.splitlines()[-1])
    assert kind == "DatasetUnreadable"
    assert message.startswith(f"{folder / 'meta.json'}: the meta file is not readable by this user"), message
