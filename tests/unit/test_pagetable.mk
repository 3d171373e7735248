# The x86_64 page-table builder (arch/x86_64/pagetable.c) over host pages.
SRCS_test_pagetable := arch/x86_64/pagetable.c
