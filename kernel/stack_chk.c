/* The stack protector's failure path. */
#include "kernel/panic.h"

__attribute__((noreturn)) void __stack_chk_fail(void);
void __stack_chk_fail(void)
{
	panic("stack smashing detected");
}
