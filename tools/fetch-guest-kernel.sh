#!/bin/sh
# Fetches the guest kernel for container micro-VMs: Debian's
# linux-image-amd64 (the versioned linux-image-6.1.0-N-amd64 it depends
# on), downloaded with apt (which checks it against the signed archive
# index) and cached in OUT/deb/. Extracts into OUT:
#   vmlinuz, config, version            the kernel, its config, "6.1.0-N-amd64"
#   modules/*.ko, modules/modules.order the virtio modules our init loads,
#                                       with their dependencies, in load order
# Debian's 6.1 kernel ships its modules uncompressed
# (CONFIG_MODULE_COMPRESS_NONE=y); should a later one compress them
# (.ko.xz/.ko.zst), they are decompressed here, so the init needs no
# CONFIG_MODULE_DECOMPRESS.
#
# Usage: tools/fetch-guest-kernel.sh OUT [MODULE...]
#   default modules: virtio_pci virtio_net virtio_rng virtio_console
set -eu

OUT=${1:?usage: fetch-guest-kernel.sh OUT [MODULE...]}
shift
[ $# -gt 0 ] || set -- virtio_pci virtio_net virtio_rng virtio_console
META=linux-image-amd64

die() { echo "fetch-guest-kernel: $*" >&2; exit 1; }
for t in apt-get apt-cache dpkg-deb objcopy sha256sum; do
	command -v $t >/dev/null || die "needs $t (Debian: apt, dpkg, binutils, coreutils)"
done

# linux-image-amd64 -> linux-image-6.1.0-N-amd64
PKG=$(apt-cache depends "$META" 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -1)
[ -n "$PKG" ] || die "cannot resolve $META (run apt-get update?)"
VER=$(apt-cache policy "$PKG" | sed -n 's/^ *Candidate: //p')
[ -n "$VER" ] && [ "$VER" != "(none)" ] || die "no candidate version of $PKG"
KVER=${PKG#linux-image-}

mkdir -p "$OUT/deb"
DEB=$(ls "$OUT"/deb/"${PKG}_"*"_amd64.deb" 2>/dev/null | grep -F "_$(echo "$VER" | sed 's/:/%3a/')_" | head -1 || true)
if [ -n "$DEB" ]; then
	# A cached download: check it against the archive index once more.
	WANT=$(apt-cache show "$PKG=$VER" | sed -n 's/^SHA256: //p' | head -1)
	GOT=$(sha256sum "$DEB" | cut -d' ' -f1)
	[ "$WANT" = "$GOT" ] || { rm -f "$DEB"; DEB=; }
fi
if [ -z "$DEB" ]; then
	echo "fetch-guest-kernel: downloading $PKG $VER"
	# As root apt would warn that _apt cannot write here; the download is
	# verified all the same.
	(cd "$OUT/deb" && apt-get download -q -o APT::Sandbox::User=root "$PKG=$VER") ||
		die "apt-get download $PKG=$VER failed"
	DEB=$(ls "$OUT"/deb/"${PKG}_"*"_amd64.deb" | head -1)
fi

STAGE="$OUT/stage"
rm -rf "$STAGE" "$OUT/modules"
mkdir -p "$STAGE" "$OUT/modules"
dpkg-deb --fsys-tarfile "$DEB" | tar -x -C "$STAGE" ./boot
cp "$STAGE/boot/vmlinuz-$KVER" "$OUT/vmlinuz"
cp "$STAGE/boot/config-$KVER" "$OUT/config"
echo "$KVER" > "$OUT/version"
echo "$PKG $VER" > "$OUT/package"

# The package has no modules.dep (depmod runs at install time), so the
# dependencies come from each module's .modinfo "depends=" field. One
# pass over the package (a few hundred MB, removed at the end) is far
# quicker than one per module.
dpkg-deb --fsys-tarfile "$DEB" | tar -x -C "$STAGE" ./lib/modules
MODROOT="$STAGE/lib/modules/$KVER"
find "$MODROOT" -name '*.ko*' > "$STAGE/all"

path_of() {	# module name -> file ('-' and '_' are the same)
	awk -v n="$(echo "$1" | tr '-' '_')" '{ b = $0; sub(/.*\//, "", b);
		sub(/\.ko(\.xz|\.zst|\.gz)?$/, "", b); gsub(/-/, "_", b);
		if (b == n) { print; exit } }' "$STAGE/all"
}
builtin() {
	sed 's#.*/##; s/\.ko$//; s/-/_/g' "$MODROOT/modules.builtin" | grep -qx "$(echo "$1" | tr '-' '_')"
}
plain() {	# a module file, decompressed if need be
	case "$1" in
	*.xz)  xz -dkf "$1"; echo "${1%.xz}" ;;
	*.zst) zstd -qdf "$1"; echo "${1%.zst}" ;;
	*.gz)  gzip -dkf "$1"; echo "${1%.gz}" ;;
	*)     echo "$1" ;;
	esac
}

# Depth-first, dependencies before dependants: the load order.
: > "$OUT/modules/modules.order"
visit() {
	local n p f deps d base
	n=$(echo "$1" | tr '-' '_')
	grep -qx "$n" "$STAGE/visited" 2>/dev/null && return 0
	echo "$n" >> "$STAGE/visited"
	p=$(path_of "$n")
	if [ -z "$p" ]; then
		builtin "$n" && { echo "  $n: built in"; return 0; }
		die "module $n is neither in $PKG nor built in"
	fi
	f=$(plain "$p")
	deps=$(objcopy -O binary --only-section=.modinfo "$f" /dev/stdout | tr '\0' '\n' |
		sed -n 's/^depends=//p' | tr ',' ' ')
	for d in $deps; do
		visit "$d"
	done
	base=$(basename "$f")
	cp "$f" "$OUT/modules/$base"
	echo "$base" >> "$OUT/modules/modules.order"
	echo "  $n: $base${deps:+ (needs $deps)}"
}
echo "fetch-guest-kernel: $PKG $VER, modules in load order:"
for m in "$@"; do
	visit "$m"
done
rm -rf "$STAGE"
