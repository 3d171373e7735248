#!/bin/bash
# Verifies the properties of bastion.elf that the boot paths rely on:
# one contiguous file image (Multiboot 1 a.out kludge: file offset minus
# physical address is the same for every segment), the Multiboot headers
# in the first 8 KiB, and no segment both writable and executable besides
# the identity-mapped 32-bit boot stub.
set -eu
elf=$1
bad=0
first=
delta=
while read -r type off va pa fsz msz flags; do
	[ "$type" = LOAD ] || continue
	d=$(( off - pa ))
	if [ -n "$delta" ] && [ "$d" != "$delta" ]; then
		echo "check-image: segment at $pa breaks the contiguous image"; bad=1
	fi
	delta=$d
	[ -n "$first" ] || first=$off
	if [[ "$flags" == *W* && "$flags" == *E* && $(( pa )) != $(( 0x100000 )) ]]; then
		echo "check-image: W+X segment at $pa"; bad=1
	fi
done < <(readelf -lW "$elf" | awk '$1 == "LOAD" { print $1, $2, $3, $4, $5, $6, $7 $8 $9 }')
if [ -z "$first" ] || [ $(( first )) -gt 4096 ]; then
	echo "check-image: first segment at file offset ${first:-none}: Multiboot headers too late"; bad=1
fi
exit $bad
