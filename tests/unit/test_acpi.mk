# The ACPI MADT reader (drivers/acpi.c) over in-memory firmware tables.
SRCS_test_acpi := drivers/acpi.c
