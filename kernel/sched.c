/* Per-CPU round-robin scheduler (see sched.h). */
#include <string.h>
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/trap.h"
#include "kernel/heap.h"
#include "kernel/log.h"
#include "kernel/mm.h"
#include "kernel/panic.h"
#include "kernel/sched.h"
#include "kernel/spinlock.h"
#include "kernel/time.h"

enum task_state { TASK_RUNNABLE, TASK_BLOCKED, TASK_DEAD };

/* [I] immutable  [q] the CPU's run-queue lock */
struct task {
	char name[TASK_NAME_MAX];	/* [I] */
	uint32_t cpu;			/* [I] */
	uint64_t stack_top;		/* [I] from kstack_alloc() */
	uint64_t rsp;			/* [q] saved stack pointer */
	enum task_state state;		/* [q] */
	uint64_t deadline;		/* [q] wake-up TSC when blocked, 0: none */
	volatile uint32_t woken;	/* [a] a wake arrived while running */
	uint64_t runs;			/* [q] times switched to (diagnostics) */
	task_fn fn;			/* [I] */
	void *arg;			/* [I] */
	struct task *next;		/* [q] ring of this CPU's tasks */
};

struct runq {
	struct spinlock lock;
	uint64_t timer_when;	/* TSC the LAPIC timer is armed for */
	struct task *current;
	struct task *idle;
	struct task *reap;	/* exited, off the ring, stack still in use */
};

static struct runq rq[MAX_CPUS];

/* switch.S: saves callee-saved registers on the old stack, stores RSP in
 * *old_rsp, loads new_rsp, pops and returns into the new task. */
void sched_switch(uint64_t *old_rsp, uint64_t new_rsp);

struct task *task_current(void)
{
	return rq[this_cpu()->cpu].current;
}

/* Frees a task that exited, once the CPU has left its stack. Called
 * with the queue lock held, right after a switch. */
static void reap(struct runq *q)
{
	struct task *t = q->reap;

	if (!t)
		return;
	q->reap = NULL;
	kstack_free(t->stack_top);
	kfree(t);
}

static void task_entry(void) __attribute__((noreturn));
static void task_entry(void)
{
	struct task *t = task_current();

	reap(&rq[t->cpu]);
	spin_unlock(&rq[t->cpu].lock);	/* taken by the switch that got here */
	irq_enable();
	t->fn(t->arg);
	task_exit();
}

struct task *task_create(const char *name, uint32_t cpu, task_fn fn, void *arg)
{
	struct task *t;
	uint64_t top, *sp, f;
	struct runq *q;

	if (cpu >= MAX_CPUS || !rq[cpu].idle)
		return NULL;
	t = kzalloc(sizeof(*t));
	if (!t)
		return NULL;
	top = kstack_alloc();
	if (!top) {
		kfree(t);
		return NULL;
	}
	for (size_t i = 0; i + 1 < sizeof(t->name) && name[i]; i++)
		t->name[i] = name[i];
	t->cpu = cpu;
	t->stack_top = top;
	t->fn = fn;
	t->arg = arg;
	/* The frame sched_switch pops: r15 r14 r13 r12 rbx rbp, then ret. */
	sp = (uint64_t *)top;
	*--sp = 0;				/* ends backtraces */
	*--sp = (uint64_t)(uintptr_t)task_entry;
	for (int i = 0; i < 6; i++)
		*--sp = 0;
	t->rsp = (uint64_t)(uintptr_t)sp;
	t->state = TASK_RUNNABLE;

	q = &rq[cpu];
	f = spin_lock_irqsave(&q->lock);
	t->next = q->idle->next;
	q->idle->next = t;
	spin_unlock_irqrestore(&q->lock, f);
	return t;
}

/* The earliest wake-up time of this CPU's blocked tasks, 0 if none. */
static uint64_t earliest_deadline(struct runq *q);

/* One-shot LAPIC timer for whichever comes first: the end of the time
 * slice starting now, or the earliest sleeper's deadline. So a guest timer
 * a microsecond away preempts whatever runs, and an idle CPU sleeps until
 * exactly then (no periodic tick). */
static void program_timer(struct runq *q)
{
	uint64_t now = rdtsc(), hz = tsc_hz(), slice = hz / SCHED_HZ, when = now + slice;
	uint64_t d = earliest_deadline(q);

	if (d && (int64_t)(d - when) < 0)
		when = d;
	/* Never closer than 50 us: a sleeper already due is picked at this
	 * reschedule anyway, and back-to-back timer interrupts only churn. */
	if ((int64_t)(when - now) < (int64_t)(hz / 20000))
		when = now + hz / 20000;
	q->timer_when = when;
	lapic_timer_oneshot((when - now) * 1000000000ull / (hz ? hz : 1) + 1);
}

void sched_arm_deadline(uint64_t tsc)
{
	struct runq *q = &rq[this_cpu()->cpu];
	uint64_t f = irq_save(), now = rdtsc(), hz = tsc_hz();

	/* Re-arm when the deadline comes before the armed expiry, or when
	 * that expiry has passed already (the timer is idle then). */
	if ((int64_t)(tsc - q->timer_when) < 0 || (int64_t)(now - q->timer_when) >= 0) {
		if ((int64_t)(tsc - now) < (int64_t)(hz / 20000))
			tsc = now + hz / 20000;
		/* The conversion to ns below overflows past ~6 s at 3 GHz: a
		 * far deadline (a guest's TSC deadline, say) is re-armed on
		 * the way, from the next slice's timer at the latest. */
		if (tsc - now > hz)
			tsc = now + hz;
		q->timer_when = tsc;
		lapic_timer_oneshot((tsc - now) * 1000000000ull / (hz ? hz : 1) + 1);
	}
	irq_restore(f);
}

/* Picks the next runnable task after cur, waking those whose deadline
 * passed; the idle task when none. Called with the queue lock held. */
static struct task *pick(struct runq *q, struct task *cur)
{
	uint64_t now = rdtsc();
	struct task *t = cur->next;

	for (;;) {
		if (t != q->idle) {
			if (t->state == TASK_BLOCKED && t->deadline &&
			    (int64_t)(now - t->deadline) >= 0)
				t->state = TASK_RUNNABLE;
			if (t->state == TASK_RUNNABLE)
				return t;
		}
		if (t == cur)
			break;
		t = t->next;
	}
	return cur->state == TASK_RUNNABLE && cur != q->idle ? cur : q->idle;
}

static void reschedule(struct runq *q, struct task *cur)
{
	struct task *next;

	next = pick(q, cur);
	this_cpu()->need_resched = 0;
	program_timer(q);
	if (next == cur) {
		spin_unlock(&q->lock);
		return;
	}
	q->current = next;
	next->runs++;
	sched_switch(&cur->rsp, next->rsp);
	/* Back in cur, with the lock taken by whoever switched to us. */
	reap(q);
	spin_unlock(&q->lock);
}

static void check_current(struct runq *q)
{
	uint64_t sp = (uint64_t)(uintptr_t)__builtin_frame_address(0);
	struct task *c = q->current;

	if (c != q->idle && (sp >= c->stack_top || sp < c->stack_top - 4 * 4096))
		panic("sched: current is %s but running on stack %#llx", c->name,
		      (unsigned long long)sp);
}

void sched_yield(void)
{
	struct runq *q = &rq[this_cpu()->cpu];
	uint64_t f = irq_save();

	spin_lock(&q->lock);
	check_current(q);
	reschedule(q, q->current);
	irq_restore(f);
}

void sched_block(uint64_t deadline_tsc)
{
	struct runq *q = &rq[this_cpu()->cpu];
	struct task *cur;
	uint64_t f = irq_save();

	spin_lock(&q->lock);
	cur = q->current;
	if (__atomic_exchange_n(&cur->woken, 0, __ATOMIC_ACQ_REL)) {
		spin_unlock(&q->lock);		/* a wake raced ahead of us */
		irq_restore(f);
		return;
	}
	cur->state = TASK_BLOCKED;
	cur->deadline = deadline_tsc;
	reschedule(q, cur);
	irq_restore(f);
}

void sched_wake(struct task *t)
{
	struct runq *q = &rq[t->cpu];
	uint64_t f = spin_lock_irqsave(&q->lock);

	if (t->state == TASK_BLOCKED)
		t->state = TASK_RUNNABLE;
	else if (t->state == TASK_RUNNABLE)
		__atomic_store_n(&t->woken, 1, __ATOMIC_RELEASE);
	spin_unlock_irqrestore(&q->lock, f);
	/* A CPU asleep in the idle task's HLT wakes on its next tick (10 ms);
	 * good enough until wake-up IPIs are needed. */
}

void task_exit(void)
{
	struct runq *q = &rq[this_cpu()->cpu];
	struct task *cur, *prev, *next;

	irq_disable();
	spin_lock(&q->lock);
	cur = q->current;
	cur->state = TASK_DEAD;
	/* Off the ring now; its stack and struct go once the CPU has left
	 * them (reap(), run by whichever task comes next). */
	for (prev = cur; prev->next != cur; prev = prev->next)
		;
	prev->next = cur->next;
	next = pick(q, prev);
	q->reap = cur;
	q->current = next;
	this_cpu()->need_resched = 0;
	program_timer(q);
	sched_switch(&cur->rsp, next->rsp);
	panic("sched: a dead task was scheduled");
}

void sched_tick(void)
{
	this_cpu()->need_resched = 1;
	/* Until someone reschedules, keep ticking at the slice rate. */
	rq[this_cpu()->cpu].timer_when = rdtsc() + tsc_hz() / SCHED_HZ;
	lapic_timer_oneshot(1000000000ull / SCHED_HZ);
}

void sched_init_cpu(void)
{
	struct percpu *pc = this_cpu();
	struct runq *q = &rq[pc->cpu];
	struct task *idle;
	uint64_t f;

	if (q->idle)
		return;
	idle = kzalloc(sizeof(*idle));
	if (!idle)
		panic("sched: no memory for the idle task");
	memcpy(idle->name, "idle", 5);
	idle->cpu = pc->cpu;
	idle->state = TASK_RUNNABLE;
	idle->next = idle;
	f = spin_lock_irqsave(&q->lock);
	q->idle = idle;
	q->current = idle;
	spin_unlock_irqrestore(&q->lock, f);
	__atomic_store_n(&pc->sched_ready, 1, __ATOMIC_RELEASE);
}

/* Called with the queue lock held (or from the idle task of this CPU). */
static uint64_t earliest_deadline(struct runq *q)
{
	uint64_t best = 0;
	struct task *t = q->idle->next;

	for (; t != q->idle; t = t->next)
		if (t->state == TASK_BLOCKED && t->deadline &&
		    (!best || (int64_t)(t->deadline - best) < 0))
			best = t->deadline;
	return best;
}

void sched_start(void)
{
	struct percpu *pc = this_cpu();

	sched_init_cpu();
	irq_disable();
	for (;;) {
		sched_yield();
		/* Nothing runnable: sleep until the timer (programmed for the
		 * earliest sleeper) or a wake-up interrupt. */
		if (!pc->need_resched)
			__asm__ volatile("sti; hlt; cli" ::: "memory");
	}
}

void sched_dump(void)
{
	static const char *const st[] = { "runnable", "blocked", "dead" };

	for (uint32_t c = 0; c < ncpus; c++) {
		struct runq *q = &rq[c];
		uint64_t f = spin_lock_irqsave(&q->lock);
		struct task *t = q->idle;

		if (!t) {
			spin_unlock_irqrestore(&q->lock, f);
			continue;
		}
		do {
			pr_info("sched: cpu %u %s %s, stack %llx rsp %llx, %llu runs%s%s", c, t->name, st[t->state],
				(unsigned long long)t->stack_top, (unsigned long long)t->rsp,
				(unsigned long long)t->runs,
				t == q->current ? " (current)" : "",
				t->deadline && t->state == TASK_BLOCKED ? " (deadline)" : "");
			if (t != q->current && t != q->idle && t->rsp) {
				/* sched_switch's frame: r15 r14 r13 r12 rbx rbp, ret */
				const uint64_t *fr = (const uint64_t *)(uintptr_t)t->rsp;

				backtrace_print(fr[6], fr[5], 8);
			}
			t = t->next;
		} while (t != q->idle);
		spin_unlock_irqrestore(&q->lock, f);
	}
}
