#!/usr/bin/python3
"""Boots Bastion in QEMU: `make run` and the system tests.

  run-qemu.py --kernel ELF [--module FILE ARG]... [--append CMDLINE]
  run-qemu.py --iso ISO [--uefi]          (as a CD)
  run-qemu.py --usb IMAGE [--uefi]        (raw image on a USB stick)
  run-qemu.py --pxe DIR [--bootfile boot.ipxe]

Interactive (no --log): QEMU takes over the terminal, serial console and
monitor multiplexed on stdio (Ctrl-A x quits, Ctrl-A c for the monitor).
This script then exits with the kernel's status N when the kernel ended QEMU
through isa-debug-exit (QEMU's code (N << 1) | 1), else with QEMU's code;
QEMU's code 1 (status 0, or a QEMU error reported above) becomes 0.

Captured (--log FILE): stdin is /dev/null, the serial console is copied to
FILE as it arrives (and to stdout unless --quiet), QEMU's own messages go to
FILE.qemu, QEMU's reset log (triple faults, under TCG) to FILE.cpu, and
QEMU is killed after --timeout seconds. Exit status: QEMU's
(isa-debug-exit makes it (N << 1) | 1 for a kernel status N), 124 on timeout.

The kernel's test.exit contract: it prints "bastion: shutdown status=N",
drains the UART and writes N to port 0xf4, where the isa-debug-exit device
ends QEMU.
"""
import argparse
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time

OVMF = "/usr/share/ovmf/OVMF.fd"
EXIT_TIMEOUT = 124
EXIT_TRIPLE_FAULT = 125         # --reset-dump saw one
READY = b"bastion: ready"
SHUTDOWN = b"bastion: shutdown status="


def die(msg):
    print(f"run-qemu: {msg}", file=sys.stderr)
    sys.exit(2)


def build_argv(a):
    # -no-reboot makes a triple fault end QEMU before its CPUs reset, so
    # -d cpu_reset never dumps their state; --reset-dump lets the reset
    # happen (the dump is the state at the fault) and run_captured ends
    # QEMU right after it.
    argv = ["qemu-system-x86_64", "-machine", a.machine, "-smp", str(a.smp),
            "-m", a.mem, "-display", "none"] + ([] if a.reset_dump else ["-no-reboot"]) + [
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
    if a.accel == "kvm":
        if not os.access("/dev/kvm", os.R_OK | os.W_OK):
            die("ACCEL=kvm needs a usable /dev/kvm (KVM module loaded, "
                "nested virtualization on, access rights); use ACCEL=tcg")
        argv += ["-accel", "kvm", "-cpu", "host"]
    elif a.accel == "tcg":
        argv += ["-accel", "tcg", "-cpu", "max"]
    else:
        die(f"unknown accelerator '{a.accel}' (tcg or kvm)")

    if a.kernel:
        if not os.path.isfile(a.kernel):
            die(f"no kernel {a.kernel}")
        argv += ["-kernel", a.kernel, "-append", a.append]
        # Multiboot modules: "file arg" pairs, comma-separated (a comma in
        # a name is written twice).
        mods = [f"{f} {arg}".strip().replace(",", ",,") for f, arg in a.module]
        if mods:
            argv += ["-initrd", ",".join(mods)]
    elif a.iso:
        if not os.path.isfile(a.iso):
            die(f"no ISO {a.iso}")
        argv += ["-drive", f"file={a.iso},media=cdrom,format=raw,readonly=on",
                 "-boot", "d"]
    elif a.usb:
        if not os.path.isfile(a.usb):
            die(f"no image {a.usb}")
        argv += ["-drive", f"if=none,id=stick,file={a.usb},format=raw,readonly=on",
                 "-device", "qemu-xhci,id=xhci",
                 "-device", "usb-storage,bus=xhci.0,drive=stick,bootindex=0"]
    elif a.pxe:
        if not os.path.isfile(os.path.join(a.pxe, a.bootfile)):
            die(f"no {a.bootfile} in {a.pxe}")
        argv += ["-netdev", f"user,id=n0,tftp={os.path.abspath(a.pxe)},"
                 f"bootfile={a.bootfile}",
                 "-device", "e1000,netdev=n0", "-boot", "n"]
    else:
        die("give --kernel, --iso, --usb or --pxe")
    if a.uefi:
        if not os.path.isfile(OVMF):
            die(f"UEFI needs {OVMF} (Debian package ovmf)")
        argv += ["-bios", OVMF]
    if a.log:
        # Resets and triple faults (which -no-reboot turns into an exit
        # with code 0) are logged to FILE.cpu.
        argv += ["-serial", "stdio", "-monitor", "none",
                 "-d", "cpu_reset,guest_errors", "-D", a.log + ".cpu"]
    else:
        argv += ["-serial", "mon:stdio"]
    return argv + a.extra


def kill_group(p):
    for sig, wait in ((signal.SIGTERM, 3), (signal.SIGKILL, 5)):
        try:
            os.killpg(p.pid, sig)
        except ProcessLookupError:
            return
        try:
            p.wait(wait)
            return
        except subprocess.TimeoutExpired:
            pass


def reset_seen(cpu_log):
    """A triple fault or guest reset in QEMU's log (-d cpu_reset)."""
    try:
        with open(cpu_log, "rb") as f:
            return b"Triple fault" in f.read()
    except OSError:
        return False


def run_captured(argv, a):
    os.makedirs(os.path.dirname(os.path.abspath(a.log)), exist_ok=True)
    with open(a.log, "wb") as log, open(a.log + ".qemu", "wb") as err:
        err.write(("+ " + shlex.join(argv) + "\n").encode())
        err.flush()
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=err,
                             start_new_session=True)
        deadline = time.monotonic() + a.timeout if a.timeout else None

        def on_signal(sig, _frame):
            kill_group(p)
            sys.exit(128 + sig)
        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)

        os.set_blocking(p.stdout.fileno(), False)
        timed_out = False
        start = time.monotonic()
        seen = b""
        ready = False
        reset_at = None
        while True:
            chunk = p.stdout.read()
            if chunk:
                log.write(chunk)
                log.flush()
                seen = (seen + chunk)[-4096:]
                if not ready and READY in seen:
                    ready = True
                    msg = ("run-qemu: 'bastion: ready' after "
                           f"{time.monotonic() - start:.2f} s\n")
                    err.write(msg.encode())
                    err.flush()
                    sys.stderr.write(msg)
                if not a.quiet:
                    sys.stdout.buffer.write(chunk)
                    sys.stdout.flush()
            if chunk is None or chunk == b"":
                if p.poll() is not None:
                    rest = p.stdout.read() or b""
                    log.write(rest)
                    if not a.quiet:
                        sys.stdout.buffer.write(rest)
                    break
                if a.reset_dump and reset_at is None and reset_seen(a.log + ".cpu"):
                    reset_at = time.monotonic()
                if reset_at is not None and time.monotonic() > reset_at + 0.2:
                    kill_group(p)
                    break
                if deadline and time.monotonic() > deadline:
                    timed_out = True
                    kill_group(p)
                    break
                time.sleep(0.05)
        msg = None
        if reset_at is not None:
            msg = (f"run-qemu: triple fault; the CPUs' state at the fault is "
                   f"the reset dump after the first 'Triple fault' in {a.log}.cpu\n")
        elif timed_out:
            msg = f"run-qemu: timeout after {a.timeout} s, QEMU killed\n"
        elif p.returncode == 0 and SHUTDOWN not in seen:
            msg = ("run-qemu: QEMU ended (code 0) before 'bastion: shutdown': "
                   "the guest reset or triple-faulted (-no-reboot); see QEMU's "
                   f"reset log {a.log}.cpu\n")
        if msg:
            err.write(msg.encode())
            sys.stderr.write(msg)
        if reset_at is not None:
            return EXIT_TRIPLE_FAULT
        return EXIT_TIMEOUT if timed_out else p.returncode


def run_interactive(argv):
    # QEMU puts the terminal in raw mode: Ctrl-C is a byte for the guest.
    # Should it arrive here anyway (stdin not a terminal), QEMU gets it too.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        code = subprocess.call(argv)
    except FileNotFoundError:
        die("qemu-system-x86_64 not found (Debian package qemu-system-x86)")
    if code >= 3 and code & 1:
        print(f"run-qemu: kernel shutdown status {code >> 1}", file=sys.stderr)
        return code >> 1
    return 0 if code == 1 else code


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    src = ap.add_mutually_exclusive_group()
    src.add_argument("--kernel", help="Multiboot 1 kernel for -kernel")
    src.add_argument("--iso", help="boot this ISO from the CD-ROM")
    src.add_argument("--usb", metavar="IMAGE",
                     help="boot IMAGE written raw to a USB stick")
    src.add_argument("--pxe", metavar="DIR", help="network-boot DIR over TFTP")
    ap.add_argument("--module", nargs=2, action="append", default=[],
                    metavar=("FILE", "ARG"), help="Multiboot module (--kernel)")
    ap.add_argument("--append", default="", help="kernel command line (--kernel)")
    ap.add_argument("--bootfile", default="boot.ipxe", help="PXE boot file (--pxe)")
    ap.add_argument("--uefi", action="store_true", help="OVMF instead of SeaBIOS")
    ap.add_argument("--machine", default="q35")
    ap.add_argument("--smp", type=int, default=2)
    ap.add_argument("--mem", default="256M")
    ap.add_argument("--accel", default="tcg", help="tcg or kvm")
    ap.add_argument("--log", help="capture the serial console to this file")
    ap.add_argument("--timeout", type=float, default=0,
                    help="seconds before QEMU is killed (with --log; 0: none)")
    ap.add_argument("--quiet", action="store_true",
                    help="with --log: do not copy the console to stdout")
    ap.add_argument("--reset-dump", action="store_true",
                    help="with --log: no -no-reboot; on a triple fault, keep the "
                         "CPUs' state at the fault (QEMU's reset dump in FILE.cpu), "
                         "then end QEMU")
    ap.add_argument("--dry-run", action="store_true", help="print the command")
    ap.add_argument("extra", nargs="*", help="more QEMU arguments (after --)")
    a = ap.parse_args()

    argv = build_argv(a)
    if a.dry_run:
        print(shlex.join(argv))
        return 0
    if a.log:
        if not shutil.which(argv[0]):
            die("qemu-system-x86_64 not found (Debian package qemu-system-x86)")
        return run_captured(argv, a)
    return run_interactive(argv)


if __name__ == "__main__":
    sys.exit(main())
