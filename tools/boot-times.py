#!/usr/bin/python3
"""Measures Bastion's boot time to "bastion: ready" on each boot path.

  tools/boot-times.py [--build DIR] [--runs N] [--bochs-runs N] [PATH...]

PATH is any of: kernel (QEMU -kernel, Multiboot 1), iso-seabios, iso-ovmf,
pxe (QEMU, iPXE over TFTP), bochs (the ISO, corei7_skylake_x); default all.
Builds the test media first (make BUILD=DIR), then boots each path N times
through tools/run-qemu.py / run-bochs.py and prints the median, min and max
of the time from the emulator's start to the ready line (firmware, loader
and kernel together; TCG, -smp 2, 256M).
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
READY = re.compile(r"'bastion: ready' after ([0-9.]+) s")


def paths(build):
    elf = f"{build}/bastion.elf"
    dtb = f"{build}/bootcfg.dtb"
    iso = f"{build}/test/bastion-test.iso"
    q = [f"{ROOT}/tools/run-qemu.py", "--smp", "2", "--timeout", "60"]
    return {
        "kernel": q + ["--kernel", elf, "--module", dtb, "bootcfg",
                       "--append", "test.exit"],
        "iso-seabios": q + ["--iso", iso],
        "iso-ovmf": q + ["--iso", iso, "--uefi"],
        "pxe": q + ["--pxe", f"{build}/test/pxe"],
        "bochs": [f"{ROOT}/tools/run-bochs.py", "--smp", "2", "--timeout", "300",
                  "--iso", iso],
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.environ.get("BUILD", "build"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--bochs-runs", type=int, default=3)
    ap.add_argument("which", nargs="*")
    a = ap.parse_args()

    build = a.build
    table = paths(build)
    which = a.which or list(table)
    bad = [w for w in which if w not in table]
    if bad:
        sys.exit(f"boot-times: unknown path(s) {bad}; choose from {list(table)}")
    r = subprocess.run(["make", "-C", ROOT, f"BUILD={build}", f"{build}/bastion.elf",
                        f"{build}/bootcfg.dtb", f"{build}/test/bastion-test.iso",
                        f"{build}/test/pxe/boot.ipxe"],
                       stdout=subprocess.DEVNULL)
    if r.returncode:
        sys.exit("boot-times: make failed")

    os.chdir(ROOT)
    print(f"{'path':<12} {'runs':>4} {'median':>8} {'min':>8} {'max':>8}  (s to 'bastion: ready')")
    with tempfile.TemporaryDirectory() as tmp:
        for w in which:
            n = a.bochs_runs if w == "bochs" else a.runs
            times = []
            for i in range(n):
                log = os.path.join(tmp, f"{w}-{i}.log")
                p = subprocess.run(table[w] + ["--log", log, "--quiet"],
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, text=True)
                m = READY.search(p.stderr)
                if not m:
                    print(f"{w}: run {i + 1} never reached ready (exit {p.returncode})"
                          f"\n{p.stderr}", file=sys.stderr)
                    break
                times.append(float(m.group(1)))
            if times:
                print(f"{w:<12} {len(times):>4} {statistics.median(times):>8.2f} "
                      f"{min(times):>8.2f} {max(times):>8.2f}", flush=True)
            else:
                print(f"{w:<12} {0:>4} {'-':>8} {'-':>8} {'-':>8}", flush=True)


if __name__ == "__main__":
    main()
