"""Whose a file is and who may write it, for a folder that the users of a group share (a lab's machine, a
cluster's file system): the modes new files get under this process's umask (:data:`LOCK_FILE_MODE`,
:func:`executable_mode`), a file's owner and mode as a message names them (:func:`owner_and_mode`), the chmod
to ask its owner for (:func:`ask_to_share`), whether it is the lock file or its folder that may not be written
(:func:`lock_file_alone`, :func:`read_only`), and what tells one file from another whatever its names
(:func:`identity`). Writing files safely: :mod:`minitransfer.fileio`.
"""

import contextlib
import os
import pathlib
import pwd
import shlex


# A lock file's (and a run's log's) mode before the umask, as open() makes any file: where a folder is shared by
# a group (umask 002, a setgid folder), so are they (each user of the group opens them for writing: an
# exclusive lock needs it where flock is emulated, NFSv4). 0o644 kept them their maker's.
LOCK_FILE_MODE = 0o666


def umask():
    """This process's umask, read without changing it where Linux tells it (``Umask:`` in
    /proc/self/status, since 4.7): os.umask alone sets it, for an instant in which another thread's new
    files would be made under the wrong one."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def executable_mode():
    """The mode a new executable file gets, as a shell or a compiler makes one: 0o777 less the umask."""
    return 0o777 & ~umask()


def user_name(uid):
    """The name of the user ``uid`` ("user 1234" where the system knows none: a container, NFS)."""
    return _known_name(uid) or f"user {uid}"


def as_user(uid):
    """"user alice", or "user 1234" where the system knows no name for ``uid``: as :func:`user_name` says an
    unknown one (a lock's holder was "of user uid 1234" where a file's owner was "user 1234")."""
    return f"user {_known_name(uid) or uid}"


def _known_name(uid):
    """The name the system knows for the user ``uid``; None where it knows none."""
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return None


def owner_and_mode(path):
    """``path``'s owner and mode as a message names them: ("root", "mode 644")."""
    try:
        status = os.stat(path)
    except OSError:
        return "owner unknown", "mode unknown"
    return user_name(status.st_uid), f"mode {status.st_mode & 0o777:o}"


def identity(path, gone=()):
    """(device, inode) of the file or folder ``path`` (through links), or of the file open at ``path``
    where it is a descriptor (an int): what tells one file from another, whatever its names. None where
    it cannot be looked at for an errno in ``gone`` (nothing there now); any other failure raises."""
    try:
        status = os.fstat(path) if isinstance(path, int) else os.stat(path)
    except OSError as error:
        if error.errno in gone:
            return None
        raise
    return status.st_dev, status.st_ino


def ask_to_share(owner, paths, recursive=False, reading=False):
    """The advice for files of a folder shared by a group that their ``owner`` alone may write (made 0o644
    by an older version or under a umask 022): "ask root to let this user write it (chmod g+w PATH, ...)";
    ``paths``: one path or several; ``recursive``: folders, with what they hold (chmod -R); ``reading``: to
    read them alone (a dataset's lock, for a reader). It asks for what the group lacks as the modes say: g+rw
    of a file 0o600 (a umask 077), -R g+rwX of a run folder 0o700 (a bare g+w opened neither)."""
    paths = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    wanted = "r" if reading else "rw"
    lacking = set()
    for path in paths:
        held = [path]
        if recursive:
            with contextlib.suppress(OSError):  # a folder the group may not read lacks "r" already
                held += [entry.path for entry in os.scandir(path)]
        for each in held:
            try:
                mode, folder = os.stat(each).st_mode, os.path.isdir(each)
            except OSError:
                continue
            lacking |= {letter for letter, bit in (("r", 0o040), ("w", 0o020), ("x", 0o010))
                        if letter in wanted + "x" * folder and not mode & bit}
    letters = "".join(letter for letter in "rwx" if letter in lacking) or wanted[-1]
    spec = f"{'-R ' * recursive}g+{letters.replace('x', 'X') if recursive else letters}"
    return (f"ask {owner} to let this user {'read' if reading else 'write'} {'it' if len(paths) == 1 else 'them'} "
            f"(chmod {spec} {' '.join(shlex.quote(str(path)) for path in paths)}, for a group that shares the "
            f"folder: minitransfer makes its files so where the umask lets the group write, e.g. umask 002)")


def lock_file_alone(path):
    """Whether the lock file ``path`` is there and its folder may be written by this process: the lock
    file, not the folder, is what this process may not write (another user's, not the group's)."""
    folder = pathlib.Path(path).parent
    return os.path.exists(path) and os.access(folder, os.W_OK | os.X_OK) and not read_only(folder)


def read_only(folder):
    """Whether ``folder`` is on a file system mounted read-only (False where it cannot be told)."""
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False
