#!/usr/bin/python3
"""Boots a container image straight on QEMU, without Bastion: the baseline
for Bastion's container start-up benchmark, and the end-to-end check of
bastion-mkimage, the guest init and the guest kernel.

  run-direct.py [--kernel build/guest-kernel/vmlinuz] --initrd IMAGE.cpio
                [--append "bastion.ip=10.0.2.15/24 ..."] [--timeout 300]
                [--expect STATUS] [--expect-output TEXT] [--log FILE] [--quiet]

QEMU (TCG unless --accel kvm): q35, -cpu max, 512 MiB, serial console on
stdout, isa-debug-exit at 0xf4 (the guest init writes the container's exit
status there; QEMU then exits with (status << 1) | 1), a virtio-net NIC on
QEMU's user network and a virtio-rng. Prints, at the end:

  run-direct: init started after S.SSS s (firmware + kernel boot)
  run-direct: exec after S.SSS s (wall time from QEMU start to the line
              "bastion-init: exec ..." the init prints just before execve)
  run-direct: status N (or: no status, QEMU exited with C / timeout)

Exit status: the container's status, 124 on timeout, 125 if QEMU ended
without a status (a guest kernel panic reboots, and -no-reboot ends QEMU),
or 1 when --expect/--expect-output do not match.
"""
import argparse
import os
import subprocess
import sys
import time

START_LINE = b"bastion-init: starting"
EXEC_LINE = b"bastion-init: exec "
STATUS_LINE = b"bastion-init: exit status "


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kernel", default="build/guest-kernel/vmlinuz")
    ap.add_argument("--initrd", required=True)
    ap.add_argument("--append", default="")
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--accel", default="tcg")
    ap.add_argument("--mem", default="512")
    ap.add_argument("--expect", type=int)
    ap.add_argument("--expect-output", action="append", default=[])
    ap.add_argument("--log")
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument("--no-option-rom", action="store_true",
                    help="no iPXE ROM on the NIC (SeaBIOS then skips it)")
    a = ap.parse_args()

    for f in (a.kernel, a.initrd):
        if not os.path.exists(f):
            sys.exit(f"run-direct: {f} is missing (make guest-kernel images)")
    cmdline = "console=ttyS0 panic=-1 quiet loglevel=4 " + a.append
    cmd = ["qemu-system-x86_64", "-machine", "q35", "-accel", a.accel,
           "-cpu", "max", "-m", a.mem, "-nographic", "-no-reboot",
           "-kernel", a.kernel, "-initrd", a.initrd, "-append", cmdline,
           "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
           "-device", "virtio-net-pci,netdev=n0" + (",romfile=" if a.no_option_rom else ""),
           "-netdev", "user,id=n0",
           "-device", "virtio-rng-pci"]
    log = open(a.log, "wb") if a.log else None
    start = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    t_exec = t_start = None
    out = bytearray()
    timed_out = False
    buf = b""
    os.set_blocking(p.stdout.fileno(), False)
    while True:
        if time.monotonic() - start > a.timeout:
            timed_out = True
            p.kill()
            break
        try:
            chunk = p.stdout.read(65536)
        except BlockingIOError:
            chunk = None
        if chunk:
            now = time.monotonic()
            out += chunk
            if log:
                log.write(chunk)
                log.flush()
            if not a.quiet:
                sys.stdout.buffer.write(chunk)
                sys.stdout.buffer.flush()
            buf += chunk
            if t_start is None and START_LINE in buf:
                t_start = now - start
            if t_exec is None and EXEC_LINE in buf:
                t_exec = now - start
            buf = buf[-256:]
        elif chunk == b"" and p.poll() is not None:
            break
        else:
            time.sleep(0.002)
    code = p.wait()
    total = time.monotonic() - start
    if log:
        log.close()

    print()
    if t_start is not None:
        print(f"run-direct: init started after {t_start:.3f} s")
    if t_exec is not None:
        print(f"run-direct: exec after {t_exec:.3f} s")
    else:
        print("run-direct: no exec line seen")
    if timed_out:
        print(f"run-direct: timeout after {a.timeout:.0f} s")
        return 124
    # isa-debug-exit: QEMU's code is (status << 1) | 1; a plain exit
    # (reboot with -no-reboot, a guest panic with panic=-1) is 0, and 1
    # is also QEMU's own error code, so status 0 needs the init's line.
    if code % 2 == 1 and (code > 1 or STATUS_LINE in out):
        status = code >> 1
        print(f"run-direct: status {status} (total {total:.3f} s)")
    else:
        status = None
        print(f"run-direct: no status, QEMU exited with {code} (total {total:.3f} s)")
    if a.expect is None and not a.expect_output:
        return 125 if status is None else status
    ok = True
    if a.expect is not None and status != a.expect:
        print(f"run-direct: FAILED: expected status {a.expect}, got {status}")
        ok = False
    for text in a.expect_output:
        if text.encode() not in out:
            print(f"run-direct: FAILED: output lacks {text!r}")
            ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
