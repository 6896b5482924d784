"""A seccomp filter for the student's process: the system calls a numpy notebook never needs,
and that would let it reach beyond its sandbox, fail with EPERM.

Denied: sockets of every family but AF_UNIX (no network even where no network namespace can
be made), System V IPC and POSIX message queues (state that outlives the process and is shared
with other processes), memfd (memory that no per-process limit sees), tracing and reading other
processes' memory, new namespaces and mounts, kernel keyrings, BPF, io_uring and the like.
The filter is inherited by every child and cannot be removed.

Plain BPF built with ctypes: x86_64 and aarch64; elsewhere `supported()` is False and the
caller says so in the confinement report.
"""
from __future__ import annotations

import ctypes
import errno
import platform
import struct

# BPF opcodes
LD_W_ABS, JEQ_K, JSET_K, JGE_K, RET_K = 0x20, 0x15, 0x45, 0x35, 0x06
RET_ALLOW, RET_KILL = 0x7FFF0000, 0x80000000
SECCOMP_RET_ERRNO = 0x00050000
PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2
AF_UNIX = 1
CLONE_NAMESPACES = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000 | 0x00000080
# CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET, NEWTIME

ARCHES = {
    "x86_64": (0xC000003E, {
        "socket": 41, "shmget": 29, "shmat": 30, "shmctl": 31, "semget": 64, "semop": 65,
        "semctl": 66, "shmdt": 67, "msgget": 68, "msgsnd": 69, "msgrcv": 70, "msgctl": 71,
        "semtimedop": 220, "mq_open": 240, "mq_unlink": 241, "ptrace": 101,
        "process_vm_readv": 310, "process_vm_writev": 311, "kcmp": 312, "add_key": 248,
        "request_key": 249, "keyctl": 250, "bpf": 321, "userfaultfd": 323,
        "perf_event_open": 298, "mount": 165, "umount2": 166, "pivot_root": 155, "chroot": 161,
        "unshare": 272, "setns": 308, "clone": 56, "clone3": 435, "memfd_create": 319,
        "memfd_secret": 447, "io_uring_setup": 425, "open_by_handle_at": 304,
        "name_to_handle_at": 303, "open_tree": 428, "move_mount": 429, "fsopen": 430,
        "fsconfig": 431, "fsmount": 432, "fspick": 433, "mount_setattr": 442,
        "init_module": 175, "finit_module": 313, "kexec_load": 246, "reboot": 169, "acct": 163,
        "swapon": 167, "syslog": 103, "quotactl": 179, "fanotify_init": 300, "iopl": 172,
        "ioperm": 173, "pidfd_getfd": 438, "process_madvise": 440,
    }),
    "aarch64": (0xC00000B7, {
        "socket": 198, "shmget": 194, "shmat": 196, "shmctl": 195, "semget": 190, "semop": 193,
        "semctl": 191, "shmdt": 197, "msgget": 186, "msgsnd": 189, "msgrcv": 188, "msgctl": 187,
        "semtimedop": 192, "mq_open": 180, "mq_unlink": 181, "ptrace": 117,
        "process_vm_readv": 270, "process_vm_writev": 271, "kcmp": 272, "add_key": 217,
        "request_key": 218, "keyctl": 219, "bpf": 280, "userfaultfd": 282,
        "perf_event_open": 241, "mount": 40, "umount2": 39, "pivot_root": 41, "chroot": 51,
        "unshare": 97, "setns": 268, "clone": 220, "clone3": 435, "memfd_create": 279,
        "memfd_secret": 447, "io_uring_setup": 425, "open_by_handle_at": 265,
        "name_to_handle_at": 264, "open_tree": 428, "move_mount": 429, "fsopen": 430,
        "fsconfig": 431, "fsmount": 432, "fspick": 433, "mount_setattr": 442,
        "init_module": 105, "finit_module": 273, "kexec_load": 104, "reboot": 142, "acct": 89,
        "swapon": 224, "syslog": 116, "quotactl": 60, "fanotify_init": 262,
        "pidfd_getfd": 438, "process_madvise": 440,
    }),
}

STUDENT_DENY = [n for n in ARCHES["x86_64"][1] if n not in ("socket", "clone", "clone3")]
# what Docker's default profile refuses to a process without CAP_SYS_ADMIN (for emulating it)
DOCKER_DENY = ["unshare", "setns", "mount", "umount2", "pivot_root", "open_tree", "move_mount",
               "fsopen", "fsmount", "fspick", "mount_setattr", "bpf", "perf_event_open"]


def supported():
    return platform.machine() in ARCHES


def _ins(code, jt, jf, k):
    return struct.pack("=HBBI", code, jt, jf, k)


def build(deny, allow_socket_families=(AF_UNIX,), clone_namespaces=False):
    """The BPF program: `deny` (syscall names) fail with EPERM; socket() only for the given
    families; clone() with namespace flags fails unless `clone_namespaces`; clone3 reports
    ENOSYS (its flags live in memory a filter cannot read; libc then falls back to clone)."""
    audit_arch, numbers = ARCHES[platform.machine()]
    eperm = RET_ERRNO(errno.EPERM)
    prog = [_ins(LD_W_ABS, 0, 0, 4),                       # arch
            _ins(JEQ_K, 1, 0, audit_arch), _ins(RET_K, 0, 0, RET_KILL),
            _ins(LD_W_ABS, 0, 0, 0)]                       # syscall number
    if audit_arch == ARCHES["x86_64"][0]:                  # x32 calls would bypass the numbers
        prog += [_ins(JGE_K, 0, 1, 0x40000000), _ins(RET_K, 0, 0, eperm)]
    for name in deny:
        if name in numbers and name not in ("socket", "clone", "clone3"):
            prog += [_ins(JEQ_K, 0, 1, numbers[name]), _ins(RET_K, 0, 0, eperm)]
    prog += [_ins(JEQ_K, 0, 1, numbers["clone3"]), _ins(RET_K, 0, 0, RET_ERRNO(errno.ENOSYS))]
    if not clone_namespaces:
        prog += [_ins(JEQ_K, 0, 3, numbers["clone"]), _ins(LD_W_ABS, 0, 0, 16),
                 _ins(JSET_K, 0, 1, CLONE_NAMESPACES), _ins(RET_K, 0, 0, eperm),
                 _ins(LD_W_ABS, 0, 0, 0)]
    if allow_socket_families is not None:
        fams = list(allow_socket_families)
        prog += [_ins(JEQ_K, 0, 2 + 2 * len(fams), numbers["socket"]), _ins(LD_W_ABS, 0, 0, 16)]
        for f in fams:
            prog += [_ins(JEQ_K, 0, 1, f), _ins(RET_K, 0, 0, RET_ALLOW)]
        prog += [_ins(RET_K, 0, 0, RET_ERRNO(errno.EACCES))]
    prog += [_ins(RET_K, 0, 0, RET_ALLOW)]
    return b"".join(prog)


def RET_ERRNO(code):
    return SECCOMP_RET_ERRNO | (code & 0xFFFF)


def install(program: bytes):
    """Apply the program to this process (and all it will start). Raises OSError."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(NO_NEW_PRIVS)")
    buf = ctypes.create_string_buffer(program, len(program))

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = SockFprog(len(program) // 8, ctypes.cast(buf, ctypes.c_void_p))
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(SECCOMP)")


def confine_student():
    install(build(STUDENT_DENY, allow_socket_families=()))
