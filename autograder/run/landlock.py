"""Landlock: an unprivileged file-system allow-list for the student's process (Linux >= 5.13).

Used where no mount namespace can be made (a container without CAP_SYS_ADMIN, a user without
user namespaces): after `restrict(read=[...], write=[...])` the process and its children can
read only beneath the `read` paths and write only beneath the `write` paths; everything else
fails with EACCES, whatever the file permissions say. From ABI 6 on it also stops signals to
processes outside the sandbox and connections to abstract unix sockets outside it.
"""
from __future__ import annotations

import ctypes
import os
import struct

SYS_CREATE, SYS_ADD_RULE, SYS_RESTRICT = 444, 445, 446  # the same on x86_64 and aarch64
CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH = 1

EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
REMOVE_DIR, REMOVE_FILE, MAKE_CHAR, MAKE_DIR, MAKE_REG, MAKE_SOCK = (1 << i for i in range(4, 10))
MAKE_FIFO, MAKE_BLOCK, MAKE_SYM, REFER, TRUNCATE, IOCTL_DEV = (1 << i for i in range(10, 16))
FILE_ONLY = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1, 2


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def abi_version():
    """0 when Landlock is missing (old kernel, not enabled, or refused by a seccomp profile)."""
    v = _libc().syscall(SYS_CREATE, None, 0, CREATE_RULESET_VERSION)
    return max(v, 0)


def _handled(abi):
    rights = (1 << 13) - 1
    if abi >= 2:
        rights |= REFER
    if abi >= 3:
        rights |= TRUNCATE
    if abi >= 5:
        rights |= IOCTL_DEV
    return rights


def restrict(read, write):
    """Confine this process. Returns the ABI version used; raises OSError if Landlock is missing."""
    libc = _libc()
    abi = abi_version()
    if abi < 1:
        raise OSError("Landlock is not available")
    handled = _handled(abi)
    if abi >= 6:
        attr = struct.pack("=QQQ", handled, 0, SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL)
    elif abi >= 4:
        attr = struct.pack("=QQ", handled, 0)
    else:
        attr = struct.pack("=Q", handled)
    buf = ctypes.create_string_buffer(attr, len(attr))
    ruleset = libc.syscall(SYS_CREATE, buf, len(attr), 0)
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset")
    read_rights = EXECUTE | READ_FILE | READ_DIR
    write_rights = handled
    try:
        for paths, rights in ((read, read_rights), (write, write_rights)):
            for path in paths:
                _add(libc, ruleset, path, rights)
        if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
            raise OSError(ctypes.get_errno(), "prctl(NO_NEW_PRIVS)")
        if libc.syscall(SYS_RESTRICT, ruleset, 0) != 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self")
    finally:
        os.close(ruleset)
    return abi


def _add(libc, ruleset, path, rights):
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return  # a path that does not exist needs no rule
    try:
        if not os.path.isdir(path):
            rights &= FILE_ONLY
        attr = struct.pack("=Qi", rights, fd)
        buf = ctypes.create_string_buffer(attr, len(attr))
        if libc.syscall(SYS_ADD_RULE, ruleset, RULE_PATH_BENEATH, buf, 0) != 0:
            raise OSError(ctypes.get_errno(), f"landlock_add_rule {path}")
    finally:
        os.close(fd)
