"""A run's log the system would not read (another user's, mode 600) is refused by
:func:`minitransfer.run_file_readers.read_log` itself with its owner and mode, as ``info`` names it: the words
were added by results' own wrapper, so any other reader of a log got a bare OSError (a traceback's)."""

import errno

import pytest

from minitransfer import file_owners
from minitransfer.run_file_readers import FileUnreadable, read_log


def test_a_log_the_system_will_not_read_is_refused_naming_its_owner_and_mode(tmp_path):
    log = tmp_path / "metrics.jsonl"
    log.write_text('{"iteration": 1, "loss": 2.0}\n')
    log.chmod(0o640)

    def refused(path):  # as open() refuses another user's file of mode 600 (root is never refused: no chmod)
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    with pytest.raises(FileUnreadable) as raised:
        read_log(refused, log)
    owner = file_owners.user_name(log.stat().st_uid)
    assert str(raised.value) == f"{log}: cannot be read (Permission denied; it is {owner}'s, mode 640)"
