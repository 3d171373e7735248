/* Boot configuration: the firewall rules of /vms/<name>/policy (see
 * bootcfg.h and boot/config/README.md). Each of ingress and egress is a
 * string list, one rule per string in fw_rule_parse()'s text form.
 *
 * The rules are parsed twice: once at config parse time, only to check
 * them (a config with a bad rule is rejected whole), and again by
 * bootcfg_vm_rules() into the caller's array. Keeping the text rather
 * than parsed rules keeps struct bootcfg small: 64 VMs x 2 x 256 rules
 * of struct fw_rule would be megabytes that no VM may ever ask for. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kernel/bootcfg.h"
#include "kernel/bootcfg_priv.h"
#include "kernel/fmt.h"
#include "net/fw.h"

/* fw_label_valid() takes "-web" and "web-"; a VM's labels are names
 * (valid_name()), so such a rule could never match anyone. */
static const char *bad_label(const struct fw_rule *r)
{
	if (r->src.kind == FW_PEER_LABEL && !valid_name(r->src.label))
		return r->src.label;
	if (r->dst.kind == FW_PEER_LABEL && !valid_name(r->dst.label))
		return r->dst.label;
	return NULL;
}

int get_rules(struct pctx *p, const char *prop, const void *v, int len,
	      struct bootcfg_rules *out)
{
	char why[96], nb[SHOWN_MAX];
	const char *s = v, *end = s + len, *label;
	struct fw_rule r;
	uint32_t i;
	size_t n, k;

	if (len < 1 || s[len - 1] != '\0')
		return fail(p, -EINVAL, "%s must be a list of strings "
			    "(one rule each)", prop);
	for (i = 0; s < end; s += n + 1, i++) {
		n = strlen(s);		/* the value ends in a NUL */
		if (i == BOOTCFG_MAX_RULES)
			return fail(p, -E2BIG, "%s has more than %u rules",
				    prop, BOOTCFG_MAX_RULES);
		if (n == 0)
			return fail(p, -EINVAL, "%s[%u] is an empty string",
				    prop, i);
		if (n > BOOTCFG_RULE_MAX)
			return fail(p, -EINVAL, "%s[%u] is longer than %u "
				    "characters", prop, i, BOOTCFG_RULE_MAX);
		for (k = 0; k < n; k++)
			if ((s[k] < 0x20 || s[k] > 0x7e) && s[k] != '\t')
				return fail(p, -EINVAL, "%s[%u] has a control "
					    "character at %zu", prop, i, k);
		why[0] = '\0';
		if (fw_rule_parse(s, i + 1, &r, why, sizeof(why)))
			return fail(p, -EINVAL, "%s[%u]: %s in \"%s\"", prop,
				    i, why, SHOW(nb, s, n));
		label = bad_label(&r);
		if (label)
			return fail(p, -EINVAL, "%s[%u]: label \"%s\" is not a "
				    "valid name (1..31 of a-z 0-9 '-', no '-' "
				    "at either end)", prop, i,
				    SHOW(nb, label, FW_NAME_MAX));
	}
	out->text = v;
	out->len = (size_t)len;
	out->n = i;
	return 0;
}

int bootcfg_vm_rules(const struct bootcfg *c, uint32_t vm, bool egress,
		     struct fw_rule *out, size_t max, size_t *n)
{
	const struct bootcfg_rules *rl;
	const char *s, *end;
	uint32_t i;

	if (!n)
		return -EINVAL;
	*n = 0;
	if (!c || c->nvms > BOOTCFG_MAX_VMS || vm >= c->nvms)
		return -EINVAL;
	rl = egress ? &c->vms[vm].egress : &c->vms[vm].ingress;
	if (!rl->text)
		return -ENOENT;
	if (rl->n < 1 || rl->n > BOOTCFG_MAX_RULES || rl->len < 1 ||
	    rl->text[rl->len - 1] != '\0')
		return -EINVAL;
	if (rl->n > max) {
		*n = rl->n;
		return -ENOSPC;
	}
	if (!out)
		return -EINVAL;
	end = rl->text + rl->len;
	for (i = 0, s = rl->text; s < end; s += strlen(s) + 1, i++)
		if (i == rl->n || fw_rule_parse(s, i + 1, &out[i], NULL, 0) ||
		    bad_label(&out[i]))
			return -EINVAL;
	if (i != rl->n)
		return -EINVAL;
	*n = i;
	return 0;
}
