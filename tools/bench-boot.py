#!/usr/bin/python3
"""Time from VM start to a container's entrypoint: nested in Bastion versus
the same kernel and initramfs booted directly by QEMU, side by side.

  tools/bench-boot.py [--build DIR] [--runs N] [--image NAME]

Both run under QEMU TCG on this machine, interleaved, N times each:
  direct   qemu-system-x86_64 -kernel vmlinuz -initrd IMAGE (q35, 512 MiB,
           one CPU): wall time from QEMU's start (firmware included) to the
           init's "bastion-init: exec" line;
  bastion  Bastion (AMD-V under TCG, 2 CPUs) with one VM of that image
           (128 MiB, one vCPU): wall time from the host's "vm NAME: started"
           line to the guest's "bastion-init: exec" line.
Prints the medians, their ratio, the nested VM's exits by reason during the
whole run (boot and container), and the host memory the VM cost beyond its
RAM. Builds what it needs with make first.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXEC = re.compile(rb"bastion-init: exec ")


def stream(cmd, start_re, end_re, limit):
    """Runs cmd, returns (seconds from start_re's line, or from launch when
    start_re is None, to end_re's line; all output)."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    out, t_start, t_end = [], None if start_re else t0, None
    try:
        for line in p.stdout:
            out.append(line)
            now = time.monotonic()
            if t_start is None and start_re.search(line):
                t_start = now
            if t_start is not None and t_end is None and end_re.search(line):
                t_end = now
            if now - t0 > limit:
                break
        p.wait(timeout=limit)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    if t_start is None or t_end is None:
        sys.stderr.write(b"".join(out[-30:]).decode(errors="replace"))
        raise SystemExit(f"bench-boot: no exec line from {cmd[0]}")
    return t_end - t_start, b"".join(out).decode(errors="replace")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--image", default="hello")
    a = ap.parse_args()
    b = os.path.join(ROOT, a.build)
    kernel = os.path.join(b, "guest-kernel", "vmlinuz")
    image = os.path.join(b, "images", f"{a.image}.cpio")
    subprocess.run(["make", "-C", ROOT, f"BUILD={a.build}", f"{a.build}/bastion.elf",
                    f"{a.build}/guest-kernel/vmlinuz", f"{a.build}/images/{a.image}.cpio"],
                   check=True, stdout=subprocess.DEVNULL)
    tmp = tempfile.mkdtemp(prefix="bench-boot.")
    dts = os.path.join(tmp, "bench.dts")
    with open(dts, "w") as f:
        f.write('/dts-v1/;\n/ { compatible = "bastion,config-v1";\n'
                '  host { hostname = "bench"; log-level = "info"; };\n'
                f'  vms {{ c {{ kernel = "vmlinuz"; initrd = "img"; memory-mib = <128>; '
                'cmdline = "quiet"; }; };\n};\n')
    dtb = os.path.join(tmp, "bench.dtb")
    subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", dtb, dts], check=True)

    direct = ["qemu-system-x86_64", "-machine", "q35", "-cpu", "max", "-m", "512",
              "-smp", "1", "-accel", "tcg", "-display", "none", "-no-reboot",
              "-serial", "stdio", "-monitor", "none", "-net", "none",
              "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
              "-kernel", kernel, "-initrd", image,
              "-append", "console=ttyS0 quiet panic=-1"]
    nested = [os.path.join(ROOT, "tools", "run-qemu.py"), "--smp", "2", "--mem", "1024",
              "--kernel", os.path.join(b, "bastion.elf"), "--module", dtb, "bootcfg",
              "--module", kernel, "vmlinuz", "--module", image, "img",
              "--append", "test.exit test.timeout=120", "--timeout", "300"]
    t_direct, t_nested, last = [], [], ""
    for i in range(a.runs):
        t, _ = stream(direct, None, EXEC, 300)
        t_direct.append(t)
        t, last = stream(nested, re.compile(rb"^vm c: started"), EXEC, 300)
        t_nested.append(t)
        print(f"run {i + 1}: direct {t_direct[-1]:.2f} s, in Bastion {t_nested[-1]:.2f} s",
              flush=True)
    md, mn = statistics.median(t_direct), statistics.median(t_nested)
    print(f"\nVM start to entrypoint, median of {a.runs} (QEMU TCG, {a.image} image):")
    print(f"  QEMU directly (firmware included)  {md:6.2f} s")
    print(f"  nested in Bastion (AMD-V)          {mn:6.2f} s")
    print(f"  ratio nested / direct              {mn / md:6.2f}")
    print("\nexits of the nested VM by reason (whole run; count, host time):")
    for l in last.splitlines():
        m = re.match(r"vm c:\s+exits (\S+)\s+(\d+)\s+(\d+) us handling", l)
        if m:
            print(f"  {m.group(1):14s} {int(m.group(2)):9d} {int(m.group(3)) / 1000:9.1f} ms")
    for l in last.splitlines():
        m = re.search(r"vm c: \w+: .*, (\d+) KiB host overhead", l)
        if m:
            print(f"\nhost memory beyond the VM's 128 MiB of RAM: {m.group(1)} KiB")


if __name__ == "__main__":
    main()
