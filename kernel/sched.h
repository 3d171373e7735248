/*
 * Tasks and the per-CPU scheduler. Every task is pinned to one CPU. The
 * LAPIC timer ends a time slice (this_cpu()->need_resched); vCPU tasks
 * check it after every VM exit, kernel service tasks at their loop heads,
 * so a guest that spins is preempted by its own exits and can never
 * starve the service tasks on its CPU.
 */
#ifndef KERNEL_SCHED_H
#define KERNEL_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#define TASK_NAME_MAX 24
#define SCHED_HZ 100

struct task;
typedef void (*task_fn)(void *arg);

/* Creates a runnable task on cpu. Returns NULL when out of memory or when
 * cpu is not online. */
struct task *task_create(const char *name, uint32_t cpu, task_fn fn, void *arg);

/* Gives up the CPU to the next runnable task (returns at once when there
 * is none). */
void sched_yield(void);

/* Blocks the calling task until sched_wake() or until the TSC passes
 * deadline (0: no deadline). */
void sched_block(uint64_t deadline_tsc);

/* Makes a blocked task runnable; safe from any CPU and from interrupts. */
void sched_wake(struct task *t);

/* The calling task ends; its stack is reclaimed later. */
__attribute__((noreturn)) void task_exit(void);

struct task *task_current(void);

/* Makes the calling boot context of this CPU its idle task, so tasks can
 * be created for this CPU; scheduling starts with sched_start(). */
void sched_init_cpu(void);

/* Starts scheduling on this CPU (sched_init_cpu() first if needed).
 * Never returns. */
__attribute__((noreturn)) void sched_start(void);

/* Makes this CPU's timer fire by TSC value tsc at the latest (the running
 * task wants to look at something then, e.g. a guest's timer). */
void sched_arm_deadline(uint64_t tsc);

/* Prints every CPU's tasks and their states (diagnostics). */
void sched_dump(void);

/* Called from the timer interrupt. */
void sched_tick(void);

static inline bool sched_should_yield(void);

#include "kernel/percpu.h"
static inline bool sched_should_yield(void)
{
	return this_cpu()->need_resched;
}

#endif
