#!/usr/bin/python3
"""Writes the seed corpus of tests/fuzz/fuzz_tar.c: small layer tars in
the formats container tools emit (ustar, GNU long names, pax headers),
with whiteouts, an opaque directory, symlinks and hard links.

  mkseeds.py DIR
"""
import io
import os
import sys
import tarfile


def add(t, name, type_=tarfile.REGTYPE, data=b"", link=""):
    ti = tarfile.TarInfo(name)
    ti.type = type_
    ti.mode = 0o755 if type_ == tarfile.DIRTYPE else 0o644
    ti.uid, ti.gid, ti.mtime = 1000, 1000, 1700000000
    ti.linkname = link
    ti.size = len(data) if type_ == tarfile.REGTYPE else 0
    t.addfile(ti, io.BytesIO(data) if ti.size else None)


def write(path, fmt, entries):
    with tarfile.open(path, "w", format=fmt) as t:
        for e in entries:
            add(t, *e)


def main():
    tarfile.RECORDSIZE = 2 * tarfile.BLOCKSIZE   # no padding to 10 KiB
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    base = [("bin", tarfile.DIRTYPE), ("bin/busybox", tarfile.REGTYPE, b"\x7fELF" + b"x" * 60),
            ("bin/sh", tarfile.SYMTYPE, b"", "busybox"),
            ("bin/ash", tarfile.LNKTYPE, b"", "bin/busybox"),
            ("etc/", tarfile.DIRTYPE), ("etc/passwd", tarfile.REGTYPE, b"root:x:0:0::/:/bin/sh\n")]
    write(f"{out}/ustar.tar", tarfile.USTAR_FORMAT, base)
    long = "d/" + "n" * 150 + "/" + "m" * 120
    write(f"{out}/gnu-long.tar", tarfile.GNU_FORMAT,
          base + [(long, tarfile.REGTYPE, b"long"), ("l", tarfile.SYMTYPE, b"", "t" * 200)])
    write(f"{out}/pax.tar", tarfile.PAX_FORMAT,
          base + [(long, tarfile.REGTYPE, b"pax"), ("caf\u00e9", tarfile.REGTYPE, b"utf8")])
    write(f"{out}/whiteout.tar", tarfile.PAX_FORMAT,
          [("etc/.wh.passwd",), ("bin/.wh..wh..opq",), ("bin/new", tarfile.REGTYPE, b"n"),
           ("etc", tarfile.SYMTYPE, b"", "/host"), ("x/../y", tarfile.REGTYPE, b"y")])


if __name__ == "__main__":
    main()
