/* The one place that knows which vendor back end this CPU gets. */
#include <stddef.h>
#include "arch/x86_64/cpu.h"
#include "vmm/vmm.h"

const struct vmm_ops *arch_vmm_select(void)
{
	if (cpu_feat.vmx)
		return &vmx_ops;
	if (cpu_feat.svm)
		return &svm_ops;
	return NULL;
}
