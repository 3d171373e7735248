#!/bin/sh
# Builds the test container images into one OCI image layout with umoci
# (Debian's umoci, rootless) from Debian's busybox-static: real layers as a
# container tool writes them, so tests go through bastion-mkimage's OCI
# path. One tag per image:
#   hello   prints "hello from a container", exits 0
#   exit3   exits with status 3
#   net     prints its interfaces, routes, resolv.conf and hostname
#   panic   crashes the guest kernel (sysrq c)
#   layers  two layers, the second deleting a file (a whiteout) and
#           replacing a directory's contents (opaque); checks what it sees
#   user    runs `id` as uid 1000 gid 1000 (config.user)
#   sleeper sleeps 4 s, then says so (a neighbour that outlives a crash)
#   mgmtprobe, chatty   the remote management test (tests/system/
#           test_remote.py): mgmtprobe pings the management port and tries
#           ports it does not serve; chatty prints 3000 numbered lines
#   web, db, other, spoof   the firewall system test (tests/guests/
#           firewall.dts): web talks to db on tcp/5432, db and other try
#           what their policies forbid, spoof sends from an address that
#           is not its own
#   demo-a, demo-b   make run's demo (boot/config/default.dts): demo-a
#           serves a page over HTTP, demo-b fetches it every 5 s (with nc:
#           the static busybox's wget crashes in glibc's resolver)
# Usage: tests/images/mkoci.sh LAYOUT_DIR
set -eu

OUT=${1:?usage: mkoci.sh LAYOUT_DIR}
BUSYBOX=/bin/busybox
APPLETS="sh echo cat ls ip hostname id test true false sleep uname mount nc ping arping httpd printf tail"

command -v umoci >/dev/null || { echo "mkoci.sh: needs umoci (apt-get install umoci)" >&2; exit 1; }
[ -x "$BUSYBOX" ] && "$BUSYBOX" --help 2>&1 | head -1 | grep -q BusyBox ||
	{ echo "mkoci.sh: needs busybox-static" >&2; exit 1; }
file -L "$BUSYBOX" 2>/dev/null | grep -q 'dynamically' &&
	{ echo "mkoci.sh: $BUSYBOX is dynamic; install busybox-static" >&2; exit 1; }

WORK=$(mktemp -d "${OUT%/}.work.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
rm -rf "$OUT"
umoci init --layout "$OUT"

# base: busybox and its applet links, one layer
umoci new --image "$OUT:base"
umoci unpack --rootless --image "$OUT:base" "$WORK/base"
R="$WORK/base/rootfs"
mkdir -p "$R/bin" "$R/etc" "$R/root"
cp "$BUSYBOX" "$R/bin/busybox"
for a in $APPLETS; do ln -s busybox "$R/bin/$a"; done
printf 'root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000::/:/bin/sh\n' > "$R/etc/passwd"
printf 'root:x:0:\nuser:x:1000:\n' > "$R/etc/group"
umoci repack --image "$OUT:base" "$WORK/base"
umoci config --image "$OUT:base" --config.env=PATH=/bin --config.workingdir=/root \
	--config.entrypoint=/bin/sh --config.entrypoint=-c

image() {	# image NAME CMD [umoci config options...]
	name=$1; cmd=$2; shift 2
	umoci tag --image "$OUT:base" "$name"
	umoci config --image "$OUT:$name" --config.cmd="$cmd" "$@"
}
image hello 'echo hello from a container'
image exit3 'exit 3'
image net 'ip addr; ip route; cat /etc/resolv.conf; echo hostname=$(hostname)'
image panic 'echo c > /proc/sysrq-trigger; sleep 5; echo still alive'
image user 'id' --config.user=user
image sleeper 'sleep 4; echo slept well'
image demo-a 'echo "hello from demo-a ($(hostname))" > /tmp/index.html; echo "demo-a: serving HTTP on port 80"; exec httpd -f -p 80 -h /tmp'
image demo-b 'while true; do r=$(printf "GET / HTTP/1.0\r\n\r\n" | nc -w 3 10.2.0.2 80 | tail -n 1); echo "demo-b: ${r:-no answer from demo-a}"; sleep 5; done'
image web '(nc -l -p 8080 >/dev/null 2>&1 &); i=0; while [ $i -lt 60 ]; do r=$(echo ping | nc -w 3 10.1.0.3 5432 2>/dev/null); if [ -n "$r" ]; then echo "web got $r"; break; fi; i=$((i+1)); sleep 1; done; sleep 12; echo web done'
image db 'r=$(echo pong | nc -l -p 5432 -w 90); echo "db got $r"; if echo x | nc -w 3 10.1.0.2 8080; then echo "db to web OPEN"; else echo "db to web blocked"; fi'
image other 'i=0; until arping -q -c 1 -w 1 -I eth0 10.1.0.3; do i=$((i+1)); [ $i -gt 90 ] && break; done; if echo hi | nc -w 4 10.1.0.3 5432; then echo "other to db OPEN"; else echo "other to db blocked"; fi'
image mgmtprobe 'if ping -c 2 -W 2 10.0.2.15 >/dev/null; then echo "mgmt answers ping"; else echo "mgmt ping lost"; fi; if echo x | nc -w 3 10.0.2.15 22 </dev/null; then echo "mgmt port 22 OPEN"; else echo "mgmt port 22 blocked"; fi; if nc -w 3 10.0.2.15 4443 </dev/null; then echo "mgmt port 4443 open"; else echo "mgmt port 4443 blocked"; fi'
image chatty 'i=1; while [ $i -le 3000 ]; do echo "line $i"; i=$((i+1)); done; echo "chatty done"'
image spoof 'ip addr add 10.1.0.66/24 dev eth0; ping -c 3 -W 1 -I 10.1.0.66 10.1.0.3; arping -c 2 -w 3 -s 10.1.0.66 -I eth0 10.1.0.3; echo spoof done'

# layers: a second and third layer over base, made by umoci from the
# difference of two unpacked trees (whiteouts, an opaque directory).
umoci tag --image "$OUT:base" layers
umoci unpack --rootless --image "$OUT:layers" "$WORK/l"
R="$WORK/l/rootfs"
mkdir -p "$R/data/old"
echo secret > "$R/etc/secret"
echo a > "$R/data/old/a"
echo b > "$R/data/b"
umoci repack --image "$OUT:layers" "$WORK/l"
rm -f "$R/etc/secret"
rm -rf "$R/data/old"
mkdir "$R/data/old"
echo c > "$R/data/old/c"
ln "$R/data/b" "$R/data/b-link"
umoci repack --image "$OUT:layers" "$WORK/l"
umoci config --image "$OUT:layers" --config.cmd='test ! -e /etc/secret && test ! -e /data/old/a && test -f /data/old/c && test "$(cat /data/b-link)" = b && echo layers ok'

umoci rm --image "$OUT:base"
umoci gc --layout "$OUT"
