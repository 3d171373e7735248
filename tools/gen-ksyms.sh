#!/bin/sh
# Emits an assembly file holding the kernel's text symbols, sorted by
# address, for backtraces: ksyms_addr[] (quads), ksyms_name_off[] (longs),
# ksyms_names (NUL-separated), ksyms_count. Text symbols do not move
# between links because the table lives after all of .text.
set -eu
elf=$1
if [ "$elf" = /dev/null ]; then
	list=""
else
	list=$(nm -n --defined-only "$elf" | awk '$2 ~ /^[tTwW]$/ && $1 ~ /^ffffffff8/ { print $1, $3 }')
fi
echo '	.section .ksyms, "a"'
echo '	.balign 8'
echo '	.globl ksyms_count, ksyms_addr, ksyms_name_off, ksyms_names'
echo 'ksyms_count:'
echo "	.quad $(printf '%s\n' "$list" | grep -c . || true)"
echo 'ksyms_addr:'
printf '%s\n' "$list" | awk 'NF { print "\t.quad 0x" $1 }'
echo 'ksyms_name_off:'
printf '%s\n' "$list" | awk 'BEGIN { off = 0 } NF { print "\t.long " off; off += length($2) + 1 }'
echo 'ksyms_names:'
printf '%s\n' "$list" | awk 'NF { print "\t.asciz \"" $2 "\"" }'
