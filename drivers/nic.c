/*
 * The uplink NIC: probe order and the kernel's DMA memory for the
 * drivers' ring cores.
 */
#include <errno.h>
#include "arch/x86_64/cpu.h"
#include "drivers/e1000.h"
#include "drivers/nic.h"
#include "drivers/pci.h"
#include "drivers/virtio_net.h"
#include "kernel/log.h"
#include "kernel/mm.h"
#include "kernel/pmm.h"
#include "kernel/time.h"

static void *dma_alloc(void *ctx, size_t bytes, uint64_t *pa)
{
	size_t n = (bytes + PAGE_SIZE - 1) / PAGE_SIZE;

	if (page_alloc(n, pa))
		return NULL;
	return phys_to_virt(*pa);
}

static void dma_free(void *ctx, void *va, uint64_t pa, size_t bytes)
{
	page_free(pa, (bytes + PAGE_SIZE - 1) / PAGE_SIZE);
}

const struct nic_dma nic_kernel_dma = { dma_alloc, dma_free, NULL };

void nic_delay_us(void *ctx, unsigned us)
{
	uint64_t end = time_ns() + (uint64_t)us * 1000;

	while (time_ns() < end)
		cpu_relax();
}

bool nic_log_ratelimit(uint64_t *last_ms)
{
	uint64_t now = time_ms();

	if (*last_ms && now - *last_ms < 1000)
		return false;
	*last_ms = now ? now : 1;
	return true;
}

int nic_probe(struct nic **out)
{
	int r;

	pci_scan();
	r = virtio_net_probe(out);
	if (r == 0)
		return 0;
	if (r != -ENODEV)
		pr_warn("nic: virtio-net failed (%d), trying e1000", r);
	r = e1000_probe(out);
	if (r == 0)
		return 0;
	if (r != -ENODEV)
		pr_warn("nic: e1000 failed (%d)", r);
	return r == -ENOMEM ? r : -ENODEV;
}
