#!/usr/bin/python3
"""Boots a Bastion ISO in Bochs and turns its end into a process exit.

  run-bochs.py --iso ISO [--smp N] [--mem 256M] [--log SERIAL_LOG]
               [--timeout SECONDS] [--workdir DIR] [--quiet]

Bochs 2.7 as Debian builds it (debugger compiled in) is run as
`bochs -q -f bochsrc -rc bochs.rc` with a bochsrc generated from
boot/media/bochsrc.in, stdin from /dev/null, in its own session. The rc file
makes the debugger `continue` at once. COM1 is written to a file (Bochs
flushes it after every byte); this script copies it to stdout as it grows
(unless --quiet) and watches for the kernel's "bastion: shutdown status=N".

How a run ends (see tests/system/README.md):
- the kernel (test.exit) prints "bastion: shutdown status=N" and writes
  "Shutdown" to port 0x8900: Bochs panics "Shutdown port: shutdown
  requested" with the fatal action and exits with code 1 at once, no
  debugger prompt. This script exits with N;
- Bochs ends without that line (triple fault, a panic, a bad bochsrc): exit
  125 and the tail of Bochs's output on stderr;
- --timeout passes, or the status line came but Bochs did not end within a
  grace period: Bochs's whole process group is killed; exit 124 on timeout,
  N after the grace period;
- SIGINT/SIGTERM to this script: Bochs is killed, exit 128+signal.
No Bochs process is ever left behind.
"""
import argparse
import ctypes
import os
import re
import shutil
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEMPLATE = os.path.join(ROOT, "boot", "media", "bochsrc.in")
RCFILE = os.path.join(ROOT, "boot", "media", "bochs.rc")
STATUS_RE = re.compile(rb"bastion: shutdown status=(\d+)")
EXIT_TIMEOUT = 124
EXIT_NO_STATUS = 125
GRACE = 10.0  # seconds from the status line to Bochs's own exit


def die(msg):
    print(f"run-bochs: {msg}", file=sys.stderr)
    sys.exit(2)


def mem_mib(s):
    m = re.fullmatch(r"(\d+)([MG]?)i?B?", s.strip(), re.I)
    if not m:
        die(f"cannot read memory size '{s}' (e.g. 256M, 1G)")
    n = int(m.group(1))
    return n * 1024 if m.group(2).upper() == "G" else n


def write_bochsrc(a, workdir, serial):
    with open(TEMPLATE) as f:
        rc = f.read()
    subst = {
        "@SMP@": str(a.smp),
        "@MEM_MB@": str(mem_mib(a.mem)),
        "@ISO@": os.path.abspath(a.iso),
        "@COM1@": f'mode=file, dev="{os.path.abspath(serial)}"',
        "@LOG@": os.path.join(os.path.abspath(workdir), "bochs.log"),
    }
    for k, v in subst.items():
        rc = rc.replace(k, v)
    path = os.path.join(workdir, "bochsrc")
    with open(path, "w") as f:
        f.write(rc)
    return path


def child_setup():
    # Own session: a Ctrl-C on the terminal reaches this script, not the
    # Bochs debugger. Parent death kills Bochs (PR_SET_PDEATHSIG = 1).
    os.setsid()
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


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


def tail(path, n=15):
    try:
        with open(path, "rb") as f:
            lines = f.read().decode(errors="replace").splitlines()
    except OSError:
        return ""
    return "\n".join(lines[-n:])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--iso", required=True)
    ap.add_argument("--smp", type=int, default=2)
    ap.add_argument("--mem", default="256M")
    ap.add_argument("--log", help="serial console file (default: WORKDIR/serial.log)")
    ap.add_argument("--workdir", help="bochsrc, Bochs's logs (default: beside --log)")
    ap.add_argument("--timeout", type=float, default=0, help="seconds; 0: none")
    ap.add_argument("--quiet", action="store_true",
                    help="do not copy the console to stdout")
    a = ap.parse_args()

    if not os.path.isfile(a.iso):
        die(f"no ISO {a.iso}")
    if not shutil.which("bochs"):
        die("bochs not found (Debian packages bochs, bochsbios, vgabios)")
    if a.workdir:
        workdir = a.workdir
    elif a.log:
        workdir = os.path.splitext(a.log)[0] + ".bochs"
    else:
        workdir = os.path.splitext(a.iso)[0] + ".bochs"
    workdir = os.path.abspath(workdir)
    os.makedirs(workdir, exist_ok=True)
    serial = a.log or os.path.join(workdir, "serial.log")
    os.makedirs(os.path.dirname(os.path.abspath(serial)), exist_ok=True)
    open(serial, "wb").close()
    bochsrc = write_bochsrc(a, workdir, serial)
    out_path = os.path.join(workdir, "bochs.out")

    argv = ["bochs", "-q", "-f", bochsrc, "-rc", RCFILE]
    with open(out_path, "wb") as out:
        out.write(("+ " + " ".join(argv) + "\n").encode())
        out.flush()
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out,
                             stderr=subprocess.STDOUT, cwd=workdir,
                             preexec_fn=child_setup)

    def on_signal(sig, _frame):
        kill_group(p)
        sys.exit(128 + sig)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    start = time.monotonic()
    deadline = start + a.timeout if a.timeout else None
    status = None
    status_at = None
    ready_at = None
    seen = b""
    result = None
    with open(serial, "rb") as con:
        while result is None:
            exited = p.poll() is not None
            chunk = con.read()
            if chunk:
                if not a.quiet:
                    sys.stdout.buffer.write(chunk)
                    sys.stdout.flush()
                seen = (seen + chunk)[-4096:]
                if ready_at is None and b"bastion: ready" in seen:
                    ready_at = time.monotonic()
                    print("run-bochs: 'bastion: ready' after "
                          f"{ready_at - start:.2f} s", file=sys.stderr)
                m = STATUS_RE.search(seen)
                if m and status is None and seen[m.end():].find(b"\n") >= 0:
                    status = int(m.group(1))
                    status_at = time.monotonic()
            now = time.monotonic()
            if exited:
                if chunk:
                    continue  # drain the file first
                result = status if status is not None else EXIT_NO_STATUS
            elif status is not None and now - status_at > GRACE:
                print(f"run-bochs: Bochs still running {GRACE:.0f} s after the "
                      "shutdown line (port 0x8900 not written?); killed",
                      file=sys.stderr)
                kill_group(p)
                result = status
            elif deadline and now > deadline:
                kill_group(p)
                print(f"run-bochs: timeout after {a.timeout:.0f} s, Bochs killed",
                      file=sys.stderr)
                result = EXIT_TIMEOUT
            else:
                time.sleep(0.05)
    kill_group(p)  # no-op when Bochs has ended
    if result == EXIT_NO_STATUS:
        print(f"run-bochs: Bochs exited (code {p.returncode}) without "
              f"'bastion: shutdown status=N'; last lines of {out_path}:\n"
              + tail(out_path), file=sys.stderr)
    elif not a.quiet:
        print(f"run-bochs: kernel status {result}, Bochs exit code "
              f"{p.returncode}, {time.monotonic() - start:.1f} s", file=sys.stderr)
    return result


if __name__ == "__main__":
    sys.exit(main())
