/*
 * VM lifecycle and guest memory. Guest RAM is host pages, zeroed when
 * allocated and again when freed (page_free), mapped through the back
 * end's second-level tables; nothing of one VM is ever visible to another.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/layout.h"
#include "kernel/fmt.h"
#include "kernel/heap.h"
#include "kernel/log.h"
#include "kernel/mm.h"
#include "kernel/percpu.h"
#include "kernel/pmm.h"
#include "kernel/sched.h"
#include "kernel/time.h"
#include "kernel/unaligned.h"
#include "vmm/dev/ns16550.h"
#include "vmm/dev/testdev.h"
#include "vmm/loader.h"
#include "net/vnet.h"
#include "vmm/pc.h"
#include "vmm/vm.h"
#include "vmm/vmm_priv.h"

#define MAX_VMS VM_SLOTS

static struct vm *vms[MAX_VMS];
static struct spinlock vms_lock = SPINLOCK_INIT;
static uint32_t next_cpu;

void *vm_gpa_to_hva(struct vm *vm, uint64_t gpa, uint64_t len)
{
	for (uint32_t i = 0; i < vm->nmem; i++) {
		const struct vm_mem *m = &vm->mem[i];

		if (gpa >= m->gpa && gpa - m->gpa <= m->len && len <= m->len - (gpa - m->gpa))
			return (char *)phys_to_virt(m->hpa) + (gpa - m->gpa);
	}
	return NULL;
}

void vm_stop_reason(struct vm *vm, const char *fmt, ...)
{
	uint64_t f = spin_lock_irqsave(&vm->lock);
	va_list ap;

	if (vm->state == VM_RUNNING || vm->state == VM_CREATED) {
		va_start(ap, fmt);
		kvsnprintf(vm->stop_reason, sizeof(vm->stop_reason), fmt, ap);
		va_end(ap);
		vm->state = VM_STOPPING;
	}
	/* Wake sleeping vCPUs so they see it; v->task is cleared, under the
	 * lock, by a vCPU task on its way out. */
	for (uint32_t i = 0; i < vm->nvcpus; i++)
		if (vm->vcpus[i] && vm->vcpus[i]->task)
			sched_wake(vm->vcpus[i]->task);
	spin_unlock_irqrestore(&vm->lock, f);
}

void vm_console_putc(struct vm *vm, char c)
{
	char line[sizeof(vm->line)];
	bool show = false;
	uint64_t f = spin_lock_irqsave(&vm->lock), now;

	vm->console[vm->console_len++ % VM_CONSOLE_RING] = c;
	if (c == '\n' || vm->line_len == sizeof(vm->line) - 1) {
		vm->line[vm->line_len] = 0;
		memcpy(line, vm->line, vm->line_len + 1);
		vm->line_len = 0;
		/* At most 200 lines a second per VM reach the host console
		 * (the serial line is slow and shared); all stay in the
		 * VM's ring. */
		now = time_ms() / 1000;
		if (now != vm->lines_sec) {
			if (vm->lines_dropped)
				pr_warn("[%s] (%u lines not shown)", vm->name, vm->lines_dropped);
			vm->lines_sec = now;
			vm->lines_shown = 0;
			vm->lines_dropped = 0;
		}
		show = vm->lines_shown < 200;
		if (show)
			vm->lines_shown++;
		else
			vm->lines_dropped++;
	} else if (c != '\r') {
		/* Only printable bytes reach the host console. */
		vm->line[vm->line_len++] = (c >= 0x20 && c < 0x7f) ? c : '?';
	}
	spin_unlock_irqrestore(&vm->lock, f);
	if (show)
		pr_info("[%s] %s", vm->name, line);	/* not under the VM lock */
}

static void uart_tx(void *ctx, uint8_t b)
{
	vm_console_putc(ctx, (char)b);
}

static int uart_read(void *ctx, uint64_t off, unsigned size, uint64_t *val)
{
	struct vm *vm = ctx;

	(void)size;			/* wider accesses see the byte register */
	*val = ns16550_read(vm->uart, (unsigned)off);
	return 0;
}

static int uart_write(void *ctx, uint64_t off, unsigned size, uint64_t val)
{
	struct vm *vm = ctx;

	(void)size;
	ns16550_write(vm->uart, (unsigned)off, (uint8_t)val);
	return 0;
}

/* Every VM's console: a 16550 at the PC's COM1 address, its interrupt
 * line through irq (the PC platform's; NULL for the test guests, whose
 * drivers poll it). */
static int attach_uart(struct vm *vm, void (*irq)(void *, bool))
{
	struct io_dev d = { "ns16550", uart_read, uart_write, vm, &vm->uart_lock };

	vm->uart = kzalloc(sizeof(struct ns16550));
	if (!vm->uart)
		return -ENOMEM;
	ns16550_init(vm->uart, uart_tx, irq, vm);
	return iobus_register(&vm->pio, 0x3f8, 8, &d);
}

static void vcpu_kick(struct vcpu *v)
{
	uint64_t f = spin_lock_irqsave(&v->vm->lock);

	if (v->task)
		sched_wake(v->task);
	spin_unlock_irqrestore(&v->vm->lock, f);
}

void vcpu_post_irq(struct vcpu *v, uint8_t vector)
{
	__atomic_fetch_or(&v->irq_pending[vector / 64], 1ull << (vector % 64), __ATOMIC_RELEASE);
	vcpu_kick(v);
}

void vcpu_post_irq_level(struct vcpu *v, uint8_t vector)
{
	/* The level bit first: whoever drains the pending bit finds it. */
	__atomic_fetch_or(&v->irq_level[vector / 64], 1ull << (vector % 64), __ATOMIC_RELEASE);
	vcpu_post_irq(v, vector);
}

void vcpu_post_event(struct vcpu *v, uint32_t ev, uint8_t sipi_vector)
{
	if (ev & VCPU_EV_SIPI)
		__atomic_store_n(&v->sipi_vector, sipi_vector, __ATOMIC_RELAXED);
	__atomic_fetch_or(&v->events, ev, __ATOMIC_RELEASE);
	vcpu_kick(v);
}

/* Guest RAM: the largest 2 MiB-aligned runs we can get, so that the
 * second-level tables can use large pages; at most VM_MAX_MEMSLOTS. */
static int alloc_ram(struct vm *vm, uint64_t bytes)
{
	uint64_t gpa = 0, chunk = bytes;

	while (gpa < bytes) {
		uint64_t pa, len = chunk < bytes - gpa ? chunk : bytes - gpa;
		int r;

		if (vm->nmem == VM_MAX_MEMSLOTS)
			return -ENOMEM;
		r = page_alloc_aligned(len / PAGE_SIZE, 512, &pa);
		if (r) {
			if (chunk <= (2u << 20))
				return -ENOMEM;
			chunk /= 2;
			continue;
		}
		vm->mem[vm->nmem++] = (struct vm_mem){ gpa, pa, len };
		r = vmm->vm_map(vm, gpa, pa, len);
		if (r)
			return r;
		gpa += len;
	}
	vm->ram_bytes = bytes;
	return 0;
}

static void *gm_map(void *ctx, uint64_t gpa, uint64_t len)
{
	return vm_gpa_to_hva(ctx, gpa, len);
}

static void free_vm(struct vm *vm)
{
	/* Off the switch first: once this returns no frame is delivered to
	 * the VM (its RAM, its vCPUs' mailboxes) any more. */
	pc_detach_net(vm);
	/* A vCPU's back-end state (its VMCS) is torn down on its own pCPU,
	 * where it may be current. */
	for (uint32_t i = 0; i < vm->nvcpus; i++) {
		if (vm->vcpus[i]) {
			if (vm->vcpus[i]->arch)
				vmm_on_cpu(vm->vcpus[i]->cpu, vcpu_teardown, vm->vcpus[i], NULL);
			kfree(vm->vcpus[i]);
		}
	}
	if (vm->arch)
		vmm->vm_destroy(vm);
	for (uint32_t i = 0; i < vm->nmem; i++)
		page_free(vm->mem[i].hpa, vm->mem[i].len / PAGE_SIZE);
	testdev_free(vm);
	kfree(vm->uart);
	pc_free(vm);
	kfree(vm);
}

static bool name_ok(const char *n)
{
	size_t l = strnlen(n, VM_NAME_MAX);

	if (!l || l >= VM_NAME_MAX)
		return false;
	for (size_t i = 0; i < l; i++)
		if (!((n[i] >= 'a' && n[i] <= 'z') || (n[i] >= '0' && n[i] <= '9') || n[i] == '-'))
			return false;
	return true;
}

/* Runs on the vCPU's own pCPU: the back end's per-vCPU state (a VMCS)
 * belongs to the CPU that creates it. */
/* A Linux bzImage: the boot protocol's "HdrS" at 0x202. */
static bool is_bzimage(const void *img, size_t len)
{
	return len > 0x206 && !memcmp((const char *)img + 0x202, "HdrS", 4);
}

/* A Multiboot 1 kernel: the magic, 4-byte aligned, in the first 8 KiB
 * (Multiboot Specification 3.1.1); loader_mb1 checks the rest. */
static bool is_multiboot1(const void *img, size_t len)
{
	const uint8_t *p = img;

	for (size_t off = 0; off + 12 <= len && off < 8192; off += 4)
		if (ld32(p + off) == 0x1badb002u)
			return true;
	return false;
}

static int init_vcpus(struct vm *vm, const struct guest_entry *ge)
{
	for (uint32_t i = 0; i < vm->nvcpus; i++) {
		struct vcpu *v = kzalloc(sizeof(*v));
		int r;

		if (!v)
			return -ENOMEM;
		v->id = i;
		v->vm = vm;
		v->cpu = __atomic_fetch_add(&next_cpu, 1, __ATOMIC_RELAXED) % ncpus;
		vm->vcpus[i] = v;
		if (vm->pc)
			pc_attach_vcpu(v);
		r = vmm_on_cpu(v->cpu, vcpu_setup, v, (void *)ge);
		if (r)
			return r;
	}
	return 0;
}

int vm_create(const struct vm_config *cfg, struct vm **out, char *err, size_t errlen)
{
	struct guest_mem gm;
	struct guest_entry ge;
	struct vm *vm;
	uint32_t slot = MAX_VMS;
	bool linux_guest;	/* the PC platform: Linux and Multiboot kernels */
	uint64_t free_before;
	uint64_t f;
	int r;

	if (!vmm) {
		ksnprintf(err, errlen, "this CPU cannot run VMs");
		return -ENODEV;
	}
	if (!cfg->name || !name_ok(cfg->name)) {
		ksnprintf(err, errlen, "bad VM name");
		return -EINVAL;
	}
	if (cfg->memory_mib < 2 || cfg->memory_mib > VM_MAX_MEM_MIB || cfg->memory_mib % 2) {
		ksnprintf(err, errlen, "memory must be an even 2..%u MiB", VM_MAX_MEM_MIB);
		return -EINVAL;
	}
	if (cfg->vcpus < 1 || cfg->vcpus > VM_MAX_VCPUS) {
		ksnprintf(err, errlen, "vcpus must be 1..%u", VM_MAX_VCPUS);
		return -EINVAL;
	}
	free_before = page_free_count();
	vm = kzalloc(sizeof(*vm));
	if (!vm) {
		ksnprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	f = spin_lock_irqsave(&vms_lock);
	for (uint32_t i = 0; i < MAX_VMS; i++) {
		if (vms[i] && !strcmp(vms[i]->name, cfg->name)) {
			slot = MAX_VMS + 1;
			break;
		}
		if (!vms[i] && slot == MAX_VMS)
			slot = i;
	}
	if (slot < MAX_VMS)
		vms[slot] = vm;			/* reserved; filled below */
	spin_unlock_irqrestore(&vms_lock, f);
	if (slot >= MAX_VMS) {
		kfree(vm);
		ksnprintf(err, errlen, slot == MAX_VMS ? "too many VMs" : "a VM with that name exists");
		return slot == MAX_VMS ? -ENOSPC : -EEXIST;
	}
	vm->id = slot;
	memcpy(vm->name, cfg->name, strnlen(cfg->name, VM_NAME_MAX - 1));
	vm->exit_status = -1;
	vm->state = VM_CREATED;
	vm->nvcpus = cfg->vcpus;

	r = vmm->vm_init(vm);
	if (!r)
		r = alloc_ram(vm, (uint64_t)cfg->memory_mib << 20);
	if (r) {
		ksnprintf(err, errlen, "out of memory for guest RAM");
		goto fail;
	}
	gm = (struct guest_mem){ gm_map, vm, vm->ram_bytes };
	linux_guest = is_bzimage(cfg->image, cfg->image_len);
	if (linux_guest) {
		char cmdline[LOADER_CMDLINE_MAX];
		struct linux_boot lb = { cfg->image, cfg->image_len, cfg->initrd, cfg->initrd_len,
					 cmdline, vm->nvcpus };

		if (vm->ram_bytes > LOADER_RAM_MAX) {
			ksnprintf(err, errlen, "a Linux guest has at most %llu MiB",
				  (unsigned long long)(LOADER_RAM_MAX >> 20));
			r = -EINVAL;
			goto fail;
		}
		/* The platform's facts go first, so the operator's line can
		 * override them: the TSC rate (no PIT calibration) and that it is
		 * reliable (the host's invariant TSC, not watched against
		 * jiffies that a busy host delays), no check that the PIT ticks
		 * at its rate while the vCPU busy-waits (a vCPU that shares its
		 * CPU misses ticks and would panic "IO-APIC + timer doesn't
		 * work"), no ACPI,
		 * the 8042 for reboot, COM1 as the console. */
		ksnprintf(cmdline, sizeof(cmdline), "console=ttyS0 tsc_early_khz=%llu tsc=reliable no_timer_check acpi=off reboot=k panic=-1 sysrq_always_enabled %s",
			  (unsigned long long)(tsc_hz() / 1000), cfg->cmdline ? cfg->cmdline : "");
		r = loader_linux(&gm, &lb, &ge, err, errlen);
	} else if (is_multiboot1(cfg->image, cfg->image_len)) {
		/* As QEMU's -kernel: the initrd, if any, is the one module. */
		struct mb1_module mod = { cfg->initrd, cfg->initrd_len, "initrd" };
		struct mb1_boot mb = { cfg->image, cfg->image_len, cfg->cmdline,
				       &mod, cfg->initrd ? 1 : 0, vm->nvcpus };

		linux_guest = true;	/* a PC as well */
		r = loader_mb1(&gm, &mb, &ge, err, errlen);
	} else {
		r = loader_elf64(&gm, cfg->image, cfg->image_len, &ge, err, errlen);
	}
	if (r)
		goto fail;
	r = testdev_attach(vm, !linux_guest);
	if (!r && linux_guest) {
		/* A locally administered MAC from the VM's slot unless the
		 * config gives one. */
		uint8_t mac[6] = { 0x02, 0x42, 0x41, 0x53, 0x00, (uint8_t)vm->id };

		r = pc_attach(vm, cfg->net ? cfg->net->mac : mac);
		r = r ? r : attach_uart(vm, pc_uart_irq);
	} else if (!r) {
		r = attach_uart(vm, NULL);
	}
	if (r) {
		ksnprintf(err, errlen, "cannot attach devices (%d)", r);
		goto fail;
	}
	if (cfg->net && linux_guest) {
		char why[80];

		r = pc_attach_net(vm, cfg->net, why, sizeof(why));
		if (r) {
			ksnprintf(err, errlen, "cannot attach to the switch: %s", why);
			goto fail;
		}
	}
	r = init_vcpus(vm, &ge);
	if (r) {
		ksnprintf(err, errlen, "cannot set up vCPUs (%d)", r);
		goto fail;
	}
	f = spin_lock_irqsave(&vms_lock);
	vm->ready = true;		/* now vm_find, start and destroy may see it */
	spin_unlock_irqrestore(&vms_lock, f);
	{
		/* What this VM costs the host beyond its RAM: second-level
		 * tables, VMCB/VMCS and bitmaps, device state, heap pages. */
		uint64_t now_free = page_free_count();
		uint64_t used = now_free < free_before ? (free_before - now_free) * PAGE_SIZE : 0;

		/* ...and the stack of each vCPU's task, made at start. */
		vm->overhead = (used > vm->ram_bytes ? used - vm->ram_bytes : 0) +
			       (uint64_t)vm->nvcpus * KSTACK_PAGES * PAGE_SIZE;
	}
	*out = vm;
	return 0;
fail:
	f = spin_lock_irqsave(&vms_lock);
	vms[slot] = NULL;
	spin_unlock_irqrestore(&vms_lock, f);
	free_vm(vm);
	return r;
}

int vm_start(struct vm *vm)
{
	uint64_t f = spin_lock_irqsave(&vm->lock);

	if (vm->state != VM_CREATED || !__atomic_load_n(&vm->ready, __ATOMIC_ACQUIRE)) {
		spin_unlock_irqrestore(&vm->lock, f);
		return -EBUSY;
	}
	vm->state = VM_RUNNING;
	vm->vcpus_running = vm->nvcpus;
	spin_unlock_irqrestore(&vm->lock, f);
	for (uint32_t i = 0; i < vm->nvcpus; i++) {
		struct vcpu *v = vm->vcpus[i];
		char name[TASK_NAME_MAX];

		ksnprintf(name, sizeof(name), "%s/%u", vm->name, i);
		/* Published under the lock: the task may run, and end, before
		 * task_create returns; it clears v->task under the same lock. */
		f = spin_lock_irqsave(&vm->lock);
		v->task = task_create(name, v->cpu, vcpu_task, v);
		spin_unlock_irqrestore(&vm->lock, f);
		if (!v->task) {
			vm_stop_reason(vm, "cannot start vCPU %u", i);
			f = spin_lock_irqsave(&vm->lock);
			if (--vm->vcpus_running == 0)
				vm->state = VM_STOPPED;
			spin_unlock_irqrestore(&vm->lock, f);
		}
	}
	return 0;
}

int vm_stop(struct vm *vm)
{
	uint64_t f = spin_lock_irqsave(&vm->lock);

	if (vm->state == VM_RUNNING || vm->state == VM_CREATED)
		vm->operator_stop = true;
	spin_unlock_irqrestore(&vm->lock, f);
	vm_stop_reason(vm, "stopped by the operator");
	return 0;
}

int vm_shutdown(struct vm *vm, uint32_t grace_ms)
{
	uint64_t f = spin_lock_irqsave(&vm->lock);
	bool running = vm->state == VM_RUNNING;

	if (running && !vm->kill_at_ms)
		vm->kill_at_ms = time_ms() + grace_ms;
	spin_unlock_irqrestore(&vm->lock, f);
	if (!running)
		return -EBUSY;
	if (!vm->pc || !grace_ms)
		return vm_stop(vm);
	pc_sysrq(vm, 'e');
	return 0;
}

void vm_tick(void)
{
	uint64_t now = time_ms();

	for (uint32_t i = 0; i < MAX_VMS; i++) {
		/* Under vms_lock: a VM destroyed meanwhile is not touched
		 * (lock order: vms_lock, then vm->lock in vm_stop). */
		uint64_t f = spin_lock_irqsave(&vms_lock);
		struct vm *vm = vms[i];
		bool due = vm && vm->ready && vm->kill_at_ms && now >= vm->kill_at_ms &&
			   vm->state == VM_RUNNING;

		if (due) {
			vm_stop(vm);
			pr_warn("vm %s: did not stop within its grace period; stopped", vm->name);
		}
		spin_unlock_irqrestore(&vms_lock, f);
	}
}

size_t vm_console_tail(struct vm *vm, char *buf, size_t len)
{
	uint64_t f, end, start, n;

	if (!len)
		return 0;
	f = spin_lock_irqsave(&vm->lock);
	end = vm->console_len;
	n = len - 1 < VM_CONSOLE_RING ? len - 1 : VM_CONSOLE_RING;
	start = end > n ? end - n : 0;
	for (uint64_t i = start; i < end; i++)
		buf[i - start] = vm->console[i % VM_CONSOLE_RING];
	spin_unlock_irqrestore(&vm->lock, f);
	n = end - start;
	/* Start at a line when the tail was cut. */
	if (start) {
		size_t skip = 0;

		while (skip < n && buf[skip] != '\n')
			skip++;
		if (skip < n) {
			skip++;
			memmove(buf, buf + skip, n - skip);
			n -= skip;
		}
	}
	buf[n] = 0;
	return n;
}

size_t vm_console_read(struct vm *vm, uint64_t from, char *buf, size_t len, uint64_t *start,
		       uint64_t *end)
{
	uint64_t f, e, s, n;

	f = spin_lock_irqsave(&vm->lock);
	e = vm->console_len;
	s = e > VM_CONSOLE_RING && from < e - VM_CONSOLE_RING ? e - VM_CONSOLE_RING : from;
	if (s > e)
		s = e;
	n = e - s < len ? e - s : len;
	for (uint64_t i = 0; i < n; i++)
		buf[i] = vm->console[(s + i) % VM_CONSOLE_RING];
	spin_unlock_irqrestore(&vm->lock, f);
	*start = s;
	*end = e;
	return (size_t)n;
}

const char *vm_state_name(const struct vm *vm)
{
	static const char *const states[] = { "created", "running", "stopping", "stopped" };

	if (vm->state != VM_STOPPED)
		return states[vm->state];
	if (vm->exit_status >= 0)
		return "exited";
	return vm->operator_stop ? "stopped" : "crashed";
}

int vm_destroy(struct vm *vm)
{
	uint64_t f = spin_lock_irqsave(&vm->lock);
	bool busy = vm->state == VM_RUNNING || vm->vcpus_running ||
		    !__atomic_load_n(&vm->ready, __ATOMIC_ACQUIRE);

	spin_unlock_irqrestore(&vm->lock, f);
	if (busy)
		return -EBUSY;
	f = spin_lock_irqsave(&vms_lock);
	vms[vm->id] = NULL;
	spin_unlock_irqrestore(&vms_lock, f);
	free_vm(vm);		/* tears vCPUs down on their own pCPUs */
	return 0;
}

struct vm *vm_find(const char *name)
{
	struct vm *r = NULL;
	uint64_t f = spin_lock_irqsave(&vms_lock);

	for (uint32_t i = 0; i < MAX_VMS && !r; i++)
		if (vms[i] && vms[i]->ready && !strcmp(vms[i]->name, name))
			r = vms[i];
	spin_unlock_irqrestore(&vms_lock, f);
	return r;
}

void vm_print_all(void)
{
	for (uint32_t i = 0; i < MAX_VMS; i++) {
		struct vm *vm = vms[i];

		if (!vm)
			continue;
		pr_info("vm %s: %s%s%s, %llu MiB, %u vCPU(s), %llu KiB host overhead", vm->name,
			vm_state_name(vm), vm->stop_reason[0] ? ": " : "", vm->stop_reason,
			(unsigned long long)(vm->ram_bytes >> 20), vm->nvcpus,
			(unsigned long long)(vm->overhead >> 10));
		vmm_print_stats(vm);
	}
}

unsigned vm_count_running(void)
{
	unsigned n = 0;
	uint64_t f = spin_lock_irqsave(&vms_lock);

	for (uint32_t i = 0; i < MAX_VMS; i++)
		if (vms[i] && vms[i]->state != VM_STOPPED && vms[i]->state != VM_CREATED)
			n++;
	spin_unlock_irqrestore(&vms_lock, f);
	return n;
}

void vm_stop_all(void)
{
	for (uint32_t i = 0; i < MAX_VMS; i++) {
		struct vm *vm = vms[i];

		if (vm)
			vm_stop(vm);
	}
}

void vm_destroy_all(void)
{
	for (uint32_t i = 0; i < MAX_VMS; i++) {
		struct vm *vm = vms[i];

		if (vm && vm->state == VM_STOPPED)
			vm_destroy(vm);
	}
}

int vm_get_info(uint32_t slot, struct vm_info *out)
{
	uint64_t mhz = tsc_hz() / 1000000 ? tsc_hz() / 1000000 : 1, f;
	struct vm *vm;

	if (slot >= MAX_VMS)
		return -ENOENT;
	f = spin_lock_irqsave(&vms_lock);
	vm = vms[slot];
	if (!vm || !vm->arch) {		/* absent, or still being created */
		spin_unlock_irqrestore(&vms_lock, f);
		return -ENOENT;
	}
	memset(out, 0, sizeof(*out));
	memcpy(out->name, vm->name, sizeof(out->name));
	out->state = vm_state_name(vm);
	memcpy(out->reason, vm->stop_reason, sizeof(out->reason));
	out->exit_status = vm->exit_status;
	out->memory_mib = (uint32_t)(vm->ram_bytes >> 20);
	out->vcpus = vm->nvcpus;
	/* Counters are the vCPUs' own; a racing read is only a little stale. */
	for (uint32_t i = 0; i < vm->nvcpus; i++) {
		if (!vm->vcpus[i])
			continue;
		for (int c = 0; c < VM_EXIT_COUNT; c++) {
			out->exits[c] += vm->vcpus[i]->stats.count[c];
			out->exit_us[c] += vm->vcpus[i]->stats.tsc[c] / mhz;
		}
	}
	spin_unlock_irqrestore(&vms_lock, f);
	return 0;
}
