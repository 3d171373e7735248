#!/bin/sh
# Enforces STYLE's "third-party code stays in quarantine": of our kernel
# sources (boot/ kernel/ arch/ drivers/ vmm/ net/), only each library's
# adapter and config headers may include that library's headers:
#
#   lwIP     net/lwip_port.c, net/lwip/ (lwipopts.h, arch/cc.h)
#   mbedtls  kernel/drbg.c, kernel/crypto.c, kernel/mbedtls/ (mbedtls_config.h)
#   libfdt   kernel/bootcfg.c, kernel/fdt/ (libfdt_env.h, xen/libfdt/)
#
# An adapter may not include another library's headers either.
# Files checked: those git tracks or would track (new, not ignored), or
# every file outside a git checkout.
#
# Usage: tools/check-quarantine.sh [SOURCE_ROOT]   (default: this checkout)
# Exit: 0 clean; 1 with one "file:line: #include ... (LIB)" per offender.
set -eu

cd "${1:-$(dirname "$0")/..}"
dirs="boot kernel arch drivers vmm net"

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	# shellcheck disable=SC2086
	files=$(git ls-files --cached --others --exclude-standard -- $dirs)
else
	# shellcheck disable=SC2086
	files=$(find $dirs -type f 2>/dev/null || true)
fi
files=$(printf '%s\n' "$files" | grep -E '\.(c|h|S)$' || true)
[ -n "$files" ] || exit 0

# shellcheck disable=SC2086
printf '%s\n' "$files" | xargs grep -nE \
	'^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]' /dev/null |
awk '
function lib_of(path) {
	if (path ~ /(^|\/)lwip\// || path ~ /^netif\// || path == "lwipopts.h" ||
	    path ~ /^arch\/(cc|sys_arch|perf|bpstruct|epstruct)\.h$/)
		return "lwip"
	if (path ~ /^(mbedtls|psa)\// || path == "mbedtls_config.h")
		return "mbedtls"
	if (path ~ /^(libfdt|fdt|libfdt_env|libfdt_internal)\.h$/ ||
	    path ~ /^xen\/libfdt\//)
		return "libfdt"
	return ""
}
function allowed(file) {
	if (file == "net/lwip_port.c" || file ~ /^net\/lwip\//)
		return "lwip"
	if (file == "kernel/drbg.c" || file == "kernel/crypto.c" || file ~ /^kernel\/mbedtls\//)
		return "mbedtls"
	if (file == "kernel/bootcfg.c" || file ~ /^kernel\/fdt\//)
		return "libfdt"
	return ""
}
{
	# grep -n output: FILE:LINE:TEXT
	file = $0; sub(/:.*/, "", file)
	rest = substr($0, length(file) + 2)
	line = rest; sub(/:.*/, "", line)
	text = substr(rest, length(line) + 2)
	path = text
	sub(/^[^<"]*[<"]/, "", path)
	sub(/[>"].*$/, "", path)
	lib = lib_of(path)
	if (lib != "" && lib != allowed(file)) {
		printf "%s:%s: %s (%s)\n", file, line, text, lib
		bad = 1
	}
}
END {
	if (bad) {
		print "check-quarantine: third-party headers outside their adapters (STYLE: third-party code stays in quarantine)"
		exit 1
	}
}'
