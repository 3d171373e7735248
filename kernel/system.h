/* Stopping the host: clean shutdown for tests, halt after a fatal error. */
#ifndef KERNEL_SYSTEM_H
#define KERNEL_SYSTEM_H

#include <stdbool.h>

#define STATUS_OK    0
#define STATUS_FATAL 2

/* Reads the test switches from the command line (test.exit). */
void system_init(const char *cmdline);

/* True once a CPU has begun stopping the system. */
bool system_stopping(void);

/* Marks the system as stopping and sends the other CPUs an NMI that halts
 * them; the first caller wins, later ones halt at once. */
void system_begin_stop(void);

/* Prints "system halted: why" and stops: with test.exit the emulator is
 * left with STATUS_FATAL, otherwise this CPU halts for good. */
__attribute__((noreturn)) void system_halt(const char *why);

/* The clean stop for tests: "bastion: shutdown status=N", drain the UART,
 * leave the emulator (QEMU isa-debug-exit on port 0xf4, then Bochs's
 * shutdown port 0x8900). Without test.exit it only halts. */
__attribute__((noreturn)) void system_shutdown(int status);

/* Resets the machine (host.reboot): the other CPUs stop, the log drains,
 * then the chipset's reset control (port 0xCF9), the 8042's reset line,
 * and a triple fault, whichever works first. */
__attribute__((noreturn)) void system_reboot(void);

#endif
