#!/bin/sh
# Lines of Bastion's own code (non-blank, non-comment-only lines are not
# distinguished: plain line counts, as `wc -l` gives them), kernel side
# versus tests and tools. Third-party code is never in the tree.
set -eu
cd "$(dirname "$0")/.."
kc=$(git ls-files 'boot/*.c' 'kernel/*.c' 'arch/*.c' 'drivers/*.c' 'vmm/*.c' 'net/*.c' \
	'boot/*.h' 'kernel/*.h' 'arch/*.h' 'drivers/*.h' 'vmm/*.h' 'net/*.h' | xargs cat | wc -l)
ka=$(git ls-files '*.S' | xargs cat | wc -l)
tc=$(git ls-files 'tests/*.c' 'tests/*.h' | xargs cat 2>/dev/null | wc -l)
tp=$(git ls-files 'tests/*.py' 'tools/*.py' | xargs cat 2>/dev/null | wc -l)
printf 'kernel C (incl. headers): %s\nkernel assembly:          %s\ntest C:                   %s\nPython (tests, tools):    %s\n' \
	"$kc" "$ka" "$tc" "$tp"
