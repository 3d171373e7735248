#!/bin/sh
# A plain root-fs directory for bastion-mkimage --rootfs: busybox-static,
# its applet links, a hard link and a symlink loop-free tree.
# Usage: tests/images/mkrootfs.sh DIR
set -eu
OUT=${1:?usage: mkrootfs.sh DIR}
rm -rf "$OUT"
mkdir -p "$OUT/bin" "$OUT/etc" "$OUT/srv"
cp /bin/busybox "$OUT/bin/busybox"
for a in sh echo cat ls test; do ln -s busybox "$OUT/bin/$a"; done
echo "hello from a rootfs" > "$OUT/srv/msg"
ln "$OUT/srv/msg" "$OUT/srv/msg-link"
ln -s ../srv/msg "$OUT/etc/motd"
