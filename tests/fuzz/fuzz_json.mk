# The strict JSON parser and writer, with parse -> write -> parse round trips.
SRCS_fuzz_json := kernel/json.c kernel/json_write.c
