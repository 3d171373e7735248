#!/bin/sh
# Installs the Debian packages Bastion's build and tests need, and makes sure
# apt has a deb-src entry so the build can fetch third-party sources.
# Usage: tools/deps.sh [--check]   (--check: only report what is missing)
set -eu

PKGS="build-essential dpkg-dev clang lld llvm libclang-rt-14-dev \
qemu-system-x86 qemu-utils ovmf ipxe-qemu bochs bochsbios vgabios \
grub-pc-bin grub-efi-amd64-bin grub-common xorriso mtools \
device-tree-compiler libcmocka-dev python3-pytest \
umoci busybox-static zlib1g-dev libmbedtls-dev openssl"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done

srcfile=/etc/apt/sources.list.d/bastion-src.sources
need_src=0
if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ &&
   ! grep -qs '^deb-src' /etc/apt/sources.list; then
	need_src=1
fi

if [ -z "$missing" ] && [ $need_src = 0 ]; then
	exit 0
fi
if [ "${1:-}" = "--check" ]; then
	[ -n "$missing" ] && echo "missing Debian packages:$missing"
	[ $need_src = 1 ] && echo "missing a deb-src entry in /etc/apt/sources.list.d/"
	exit 1
fi
if [ "$(id -u)" != 0 ]; then
	echo "Bastion needs these Debian packages:$missing" >&2
	[ $need_src = 1 ] && echo "and a deb-src entry (see tools/deps.sh)" >&2
	echo "run 'make deps' as root, or install them with apt-get" >&2
	exit 1
fi
if [ $need_src = 1 ]; then
	# A copy of the system's deb822 sources with Types: deb-src.
	if [ -f /etc/apt/sources.list.d/debian.sources ]; then
		sed 's/^Types:.*/Types: deb-src/' /etc/apt/sources.list.d/debian.sources >"$srcfile"
	else
		grep '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' \
			>/etc/apt/sources.list.d/bastion-src.list
	fi
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
if [ -n "$missing" ]; then
	echo "installing:$missing"
	apt-get install -y -q --no-install-recommends $missing
fi
