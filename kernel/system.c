/* Stopping the host (see system.h). */
#include <string.h>
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "boot/bootinfo.h"
#include "drivers/uart16550.h"
#include "kernel/fmt.h"
#include "kernel/log.h"
#include "kernel/percpu.h"
#include "kernel/system.h"

static bool test_exit;
static volatile uint32_t stopping;

void system_init(const char *cmdline)
{
	test_exit = bootinfo_cmdline_opt(cmdline, "test.exit", NULL, 0);
}

bool system_stopping(void)
{
	return __atomic_load_n(&stopping, __ATOMIC_ACQUIRE);
}

void system_begin_stop(void)
{
	irq_disable();
	if (__atomic_exchange_n(&stopping, 1, __ATOMIC_ACQ_REL)) {
		/* Another CPU is already reporting: let it finish. */
		cpu_halt_forever();
	}
	lapic_send_nmi_others();
}

static __attribute__((noreturn)) void leave(int status)
{
	char line[48];
	int n = ksnprintf(line, sizeof(line), "bastion: shutdown status=%d\n", status);

	log_emergency(line, (size_t)n);
	uart_drain();
	/* QEMU isa-debug-exit: the process exits with (status << 1) | 1. */
	outl(0xf4, (uint32_t)status);
	/* Bochs: the string "Shutdown" on port 0x8900 ends the simulation;
	 * tools/run-bochs.sh takes the status from the line above. */
	for (const char *s = "Shutdown"; *s; s++)
		outb(0x8900, (uint8_t)*s);
	cpu_halt_forever();
	__builtin_unreachable();
}

void system_halt(const char *why)
{
	char line[120];
	int n = ksnprintf(line, sizeof(line), "system halted: %s\n", why);

	if (n > (int)sizeof(line) - 1)
		n = sizeof(line) - 1;
	log_emergency(line, (size_t)n);
	if (test_exit)
		leave(STATUS_FATAL);
	uart_drain();
	cpu_halt_forever();
	__builtin_unreachable();
}

void system_shutdown(int status)
{
	if (!test_exit) {
		pr_info("bastion: stop requested (status %d); halting", status);
		cpu_halt_forever();
	}
	system_begin_stop();
	leave(status);
}

void system_reboot(void)
{
	static const char line[] = "bastion: rebooting\n";
	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) none = { 0, 0 };

	system_begin_stop();
	log_emergency(line, sizeof(line) - 1);
	uart_drain();
	outb(0xcf9, 0x02);	/* PCH/PIIX reset control: system reset ... */
	outb(0xcf9, 0x06);	/* ... on the 0 -> 1 edge of bit 2 (hard reset) */
	for (int i = 0; i < 100000; i++)
		if (!(inb(0x64) & 0x02))	/* 8042 input buffer empty */
			break;
	outb(0x64, 0xfe);	/* pulse the reset line */
	/* Last resort: no IDT, so the next exception triple-faults. */
	__asm__ volatile("lidt %0\n\tint3" : : "m"(none));
	cpu_halt_forever();
	__builtin_unreachable();
}
