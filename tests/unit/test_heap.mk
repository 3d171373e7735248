# The heap's allocator logic (kernel/heap_core.c) over a counting page
# provider built on aligned_alloc().
SRCS_test_heap := kernel/heap_core.c
