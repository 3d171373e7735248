#!/usr/bin/python3
"""Exit round-trip benchmark, the guest in tests/guests/bench.c, on both
back ends side by side:

  vmx  Bochs corei7_skylake_x, whose guest TSC counts retired instructions;
  svm  QEMU TCG -cpu max with -icount shift=0 (one instruction per virtual
       nanosecond; the kernel calibrates the TSC to 1000 MHz, so a TSC tick
       is an instruction).

Reports instructions per exit round trip for CPUID and for a port read from
an in-kernel device (short loop: minimum of many runs; long loop), and exits
per second of wall time.

Usage: tools/bench-exits.py [--build DIR] [--emu vmx|svm|both]
"""
import argparse
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--emu", default="both", choices=["vmx", "svm", "both"])
    a = ap.parse_args()
    rc = 0
    for emu in (["vmx", "svm"] if a.emu == "both" else [a.emu]):
        print(f"== {emu}")
        rc |= bench(a.build, emu)
    return rc


def bench(build, emu):
    b = os.path.join(ROOT, build)
    subprocess.run(["make", "-C", ROOT, f"BUILD={build}", f"{build}/test/bench.iso",
                    f"{build}/test/bench.dtb", f"{build}/guests/bench.elf"],
                   check=True, stdout=subprocess.DEVNULL)
    work = os.path.join(b, "bench-exits")
    os.makedirs(work, exist_ok=True)
    log = os.path.join(work, f"serial-{emu}.log")
    if os.path.exists(log):
        os.unlink(log)
    if emu == "vmx":
        cmd = [os.path.join(ROOT, "tools", "run-bochs.py"), "--iso",
               os.path.join(b, "test", "bench.iso"), "--log", log, "--timeout", "600", "--quiet"]
    else:
        cmd = [os.path.join(ROOT, "tools", "run-qemu.py"), "--kernel", os.path.join(b, "bastion.elf"),
               "--module", os.path.join(b, "test", "bench.dtb"), "bootcfg",
               "--module", os.path.join(b, "guests", "bench.elf"), "guest-bench",
               "--append", "test.exit", "--log", log, "--timeout", "600", "--quiet",
               "--", "-icount", "shift=0"]
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL)
    stamps, seen = {}, ""
    while p.poll() is None:
        time.sleep(0.05)
        try:
            seen = open(log, errors="replace").read()
        except OSError:
            continue
        for key in ("BENCH wall start", "BENCH wall end"):
            if key in seen and key not in stamps:
                stamps[key] = time.monotonic()
    seen = open(log, errors="replace").read()
    if emu == "svm" and "time: TSC 1000 MHz" not in seen:
        print("warning: the TSC is not 1 tick per instruction here")
    for m in re.finditer(r"BENCH (cpuid|io) (short|long) (\d+) per exit", seen):
        print(f"{m.group(1):5} {m.group(2):5} loop: {m.group(3):>5} instructions per exit round trip")
    m = re.search(r"BENCH wall end (\d+) exits", seen)
    if m and len(stamps) == 2:
        secs = stamps["BENCH wall end"] - stamps["BENCH wall start"]
        print(f"wall: {int(m.group(1)) / secs:,.0f} CPUID exits per second "
              f"({m.group(1)} in {secs:.2f} s of {'Bochs' if emu == 'vmx' else 'QEMU TCG'})")
    return 0 if p.returncode in (0, 1) else p.returncode


if __name__ == "__main__":
    sys.exit(main())
