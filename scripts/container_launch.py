"""Run one command in a root filesystem the way Docker runs a container, as Gradescope does.

Run as PID 1 of fresh mount and PID namespaces (`unshare --mount --pid --fork`), as root:

    python container_launch.py CONFIG_JSON

CONFIG: {"rootfs": lower dir, "overlay": [upper, work, merged] or null, "cgroups": {controller:
host dir} to show as /sys/fs/cgroup/<controller>, "env": {...}, "argv": [...]}.

What the command gets, as in a Docker container with the default settings:
- the root filesystem (with a fresh writable layer when `overlay` is given: a new container);
- its own /proc (PID namespace), /dev, a 64 MB /dev/shm, a read-only /sys whose cgroup folders
  are the container's own (the memory and CPU limits it runs under);
- root, with Docker's default capabilities only (no CAP_SYS_ADMIN, no CAP_DAC_READ_SEARCH...);
- the part of Docker's default seccomp profile that concerns namespaces and mounts: unshare,
  setns, mount, umount2, pivot_root and clone with a CLONE_NEW* flag fail with EPERM, clone3
  with ENOSYS (as Docker does, so that libc falls back to clone);
- the host's network (Gradescope's containers have network access too).
"""
import ctypes
import json
import os
import struct
import subprocess
import sys

# Docker's default capability set (moby's oci/caps/defaults.go)
DOCKER_CAPS = {0: "chown", 1: "dac_override", 3: "fowner", 4: "fsetid", 5: "kill", 6: "setgid",
               7: "setuid", 8: "setpcap", 10: "net_bind_service", 13: "net_raw", 18: "sys_chroot",
               27: "mknod", 29: "audit_write", 31: "setfcap"}
PR_CAPBSET_DROP, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 24, 22, 2
AUDIT_ARCH_X86_64 = 0xC000003E
SYS = {"clone": 56, "unshare": 272, "setns": 308, "mount": 165, "umount2": 166, "pivot_root": 155,
       "clone3": 435}
CLONE_NEW_ANY = 0x7E020000 | 0x80  # NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET, NEWTIME
EPERM, ENOSYS = 1, 38
RET_ALLOW, RET_ERRNO, RET_KILL = 0x7FFF0000, 0x00050000, 0


def run(*argv):
    subprocess.run(argv, check=True)


def mount_container(cfg):
    rootfs = cfg["rootfs"]
    if cfg.get("overlay"):
        upper, work, merged = cfg["overlay"]
        run("mount", "-t", "overlay", "overlay", "-o", f"lowerdir={rootfs},upperdir={upper},workdir={work}", merged)
        rootfs = merged
    run("mount", "-t", "proc", "-o", "nosuid,nodev,noexec", "proc", f"{rootfs}/proc")
    run("mount", "--rbind", "/dev", f"{rootfs}/dev")
    run("mount", "-t", "tmpfs", "-o", "size=64m,mode=1777,nosuid,nodev", "shm", f"{rootfs}/dev/shm")
    run("mount", "-t", "sysfs", "-o", "ro,nosuid,nodev,noexec", "sysfs", f"{rootfs}/sys")
    if cfg.get("cgroups"):
        run("mount", "-t", "tmpfs", "-o", "size=1m,mode=0755", "cgroup", f"{rootfs}/sys/fs/cgroup")
        for controller, host_dir in cfg["cgroups"].items():
            os.makedirs(f"{rootfs}/sys/fs/cgroup/{controller}")
            run("mount", "--bind", host_dir, f"{rootfs}/sys/fs/cgroup/{controller}")
            run("mount", "-o", "remount,ro,bind", f"{rootfs}/sys/fs/cgroup/{controller}")
        run("mount", "-o", "remount,ro", f"{rootfs}/sys/fs/cgroup")
    return rootfs


def drop_capabilities(libc):
    last = int(open("/proc/sys/kernel/cap_last_cap").read())
    for cap in range(last + 1):
        if cap not in DOCKER_CAPS and libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), f"cannot drop capability {cap}")


def _bpf(code, jt, jf, k):
    return struct.pack("HBBI", code, jt, jf, k)


def seccomp_filter():
    """A classic BPF program: Docker's refusals of namespaces and mounts, everything else allowed."""
    LD, JEQ, JSET, RET, JGE = 0x20, 0x15, 0x45, 0x06, 0x35
    prog = [_bpf(LD, 0, 0, 4), _bpf(JEQ, 1, 0, AUDIT_ARCH_X86_64), _bpf(RET, 0, 0, RET_KILL),
            _bpf(LD, 0, 0, 0),
            _bpf(JGE, 0, 1, 0x40000000), _bpf(RET, 0, 0, RET_ERRNO | EPERM)]  # the x32 ABI
    for name in ("unshare", "setns", "mount", "umount2", "pivot_root"):
        prog += [_bpf(JEQ, 0, 1, SYS[name]), _bpf(RET, 0, 0, RET_ERRNO | EPERM)]
    prog += [_bpf(JEQ, 0, 1, SYS["clone3"]), _bpf(RET, 0, 0, RET_ERRNO | ENOSYS)]
    prog += [_bpf(JEQ, 0, 3, SYS["clone"]), _bpf(LD, 0, 0, 16),  # args[0], low 32 bits: the flags
             _bpf(JSET, 0, 1, CLONE_NEW_ANY), _bpf(RET, 0, 0, RET_ERRNO | EPERM)]
    prog += [_bpf(RET, 0, 0, RET_ALLOW)]
    return b"".join(prog), len(prog)


def install_seccomp(libc):
    code, n = seccomp_filter()
    buf = ctypes.create_string_buffer(code, len(code))

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = SockFprog(n, ctypes.addressof(buf))
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "cannot install the seccomp filter")


def main(cfg):
    libc = ctypes.CDLL(None, use_errno=True)
    root = mount_container(cfg)
    os.chroot(root)
    os.chdir(cfg.get("cwd", "/"))
    drop_capabilities(libc)
    install_seccomp(libc)
    # the caps still in effect here end at exec: root then has the bounding set, Docker's
    proc = subprocess.run(cfg["argv"], env=cfg["env"])
    sys.exit(proc.returncode)


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
