#!/usr/bin/python3
"""Exit round-trip benchmark under Bochs (corei7_skylake_x), where the guest
TSC counts retired instructions: boots build/test/bench.iso (the guest in
tests/guests/bench.c) and reports instructions per exit for CPUID and for
port I/O to an in-kernel device, and exits per second of wall time.

Usage: tools/bench-exits.py [--build DIR]
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
    a = ap.parse_args()
    subprocess.run(["make", "-C", ROOT, f"BUILD={a.build}", f"{a.build}/test/bench.iso"],
                   check=True, stdout=subprocess.DEVNULL)
    work = os.path.join(ROOT, a.build, "bench-exits")
    os.makedirs(work, exist_ok=True)
    log = os.path.join(work, "serial.log")
    if os.path.exists(log):
        os.unlink(log)
    p = subprocess.Popen([os.path.join(ROOT, "tools", "run-bochs.py"), "--iso",
                          os.path.join(ROOT, a.build, "test", "bench.iso"),
                          "--log", log, "--timeout", "600", "--quiet"],
                         stdin=subprocess.DEVNULL)
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
    for m in re.finditer(r"BENCH (cpuid|io) (short|long) (\d+) per exit", seen):
        print(f"{m.group(1):5} {m.group(2):5} loop: {m.group(3):>5} instructions per exit round trip")
    m = re.search(r"BENCH wall end (\d+) exits", seen)
    if m and len(stamps) == 2:
        secs = stamps["BENCH wall end"] - stamps["BENCH wall start"]
        print(f"wall: {int(m.group(1)) / secs:,.0f} CPUID exits per second "
              f"({m.group(1)} in {secs:.2f} s of Bochs)")
    return p.returncode


if __name__ == "__main__":
    sys.exit(main())
