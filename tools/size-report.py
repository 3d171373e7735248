#!/usr/bin/python3
"""Sizes of bastion.elf by output section, ours versus third-party.

Reads the linker map (build/bastion.map): every input section is charged
to its object, and objects from build/tp/lib*.a to that library.
Usage: tools/size-report.py build/bastion.map
"""
import re
import sys
from collections import defaultdict

OUT = {".boot": "text", ".text": "text", ".rodata": "rodata",
       ".data": "data", ".bss": "bss"}


def main(path):
    sizes = defaultdict(lambda: defaultdict(int))
    out = None
    pending = None
    entry = re.compile(r"^\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(\S+)")
    for line in open(path):
        m = re.match(r"^(\.\w+)\s", line)
        if m:
            out = OUT.get(m.group(1))
            continue
        if out is None:
            continue
        if re.match(r"^ \.\S+\s*$", line):
            pending = True          # section name alone; numbers follow
            continue
        m = re.match(r"^ \.\S+\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(\S+)", line) or \
            (pending and entry.match(line))
        pending = None
        if not m:
            continue
        size, obj = int(m.group(2), 16), m.group(3)
        lib = re.search(r"lib(\w+)\.a\(", obj)
        who = lib.group(1) if lib else ("ours" if "/k/" in obj or "ksyms" in obj else "other")
        sizes[who][out] += size
    cols = ["text", "rodata", "data", "bss"]
    print("%-10s" % "" + "".join("%10s" % c for c in cols) + "%10s" % "total")
    total = defaultdict(int)
    for who in sorted(sizes, key=lambda w: (w != "ours", w)):
        row = sizes[who]
        print("%-10s" % who + "".join("%10d" % row[c] for c in cols) +
              "%10d" % sum(row.values()))
        for c in cols:
            total[c] += row[c]
    print("%-10s" % "all" + "".join("%10d" % total[c] for c in cols) +
          "%10d" % sum(total.values()))


if __name__ == "__main__":
    main(sys.argv[1])
