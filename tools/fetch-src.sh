#!/bin/sh
# Fetches the third-party sources Bastion links (lwIP, mbedtls, libfdt) as
# Debian source packages into DIR. apt-get verifies every file against the
# .dsc checksums; nothing fetched here is ever committed.
# Usage: tools/fetch-src.sh DIR
set -eu
dir=$1
mkdir -p "$dir"
cd "$dir"

# fetch PKG [PINNED_VERSION]: the candidate version first, the pinned one
# when the candidate's files are not reachable from this archive.
fetch() {
	apt-get source -q --download-only "$1" >fetch-$1.log 2>&1 && return 0
	if [ -n "${2:-}" ]; then
		apt-get source -q --download-only "$1=$2" >fetch-$1.log 2>&1 && return 0
	fi
	cat fetch-$1.log >&2
	echo "fetch-src: cannot fetch the Debian source package '$1'" >&2
	echo "fetch-src: it needs a deb-src entry: run 'make deps' as root" >&2
	exit 1
}

if [ ! -d lwip ]; then
	fetch lwip 2.1.3+dfsg1-2
	rm -rf lwip-*/
	dpkg-source -q -x lwip_*.dsc >/dev/null
	mv lwip-*/ lwip
fi
if [ ! -d mbedtls ]; then
	fetch mbedtls 2.28.3-1
	rm -rf mbedtls-*/
	dpkg-source -q -x mbedtls_*.dsc >/dev/null
	mv mbedtls-*/ mbedtls
fi
if [ ! -d libfdt ]; then
	# Debian's device-tree-compiler source is not in the archive reachable
	# here; Xen's source package carries the whole of libfdt.
	fetch xen 4.17.5+72-g01140da4e8-1
	rm -rf xen-tmp && mkdir xen-tmp
	tar -C xen-tmp --strip-components=1 -xJf xen_*.orig.tar.xz \
		--wildcards '*/xen/common/libfdt/*' '*/xen/include/xen/libfdt/*'
	mkdir libfdt
	cp xen-tmp/xen/common/libfdt/*.c xen-tmp/xen/common/libfdt/*.h libfdt/
	cp xen-tmp/xen/include/xen/libfdt/fdt.h xen-tmp/xen/include/xen/libfdt/libfdt.h libfdt/
	rm -rf xen-tmp
fi
grep -q '2\.28\.' mbedtls/include/mbedtls/build_info.h 2>/dev/null ||
	grep -q 'MBEDTLS_VERSION_STRING *"2\.28' mbedtls/include/mbedtls/version.h ||
	{ echo "fetch-src: mbedtls is not 2.28" >&2; exit 1; }
grep -q 'LWIP_VERSION_MINOR *2\?1' lwip/src/include/lwip/init.h ||
	{ echo "fetch-src: lwIP is not 2.1" >&2; exit 1; }
touch .stamp
