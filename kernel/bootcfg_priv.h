/* Boot configuration parser internals, shared by kernel/bootcfg.c (blob
 * checks and tree walking: the only file that includes libfdt),
 * bootcfg_check.c (messages, value checks, cross-checks),
 * bootcfg_policy.c (firewall rules) and bootcfg_print.c (console output). Nothing else includes this, and
 * nothing here may need libfdt (tools/check-quarantine.sh). */
#ifndef KERNEL_BOOTCFG_PRIV_H
#define KERNEL_BOOTCFG_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/bootcfg.h"
#include "kernel/log.h"

/* Parse state. path names the node being read, for error messages. */
struct pctx {
	const void     *fdt;
	struct bootcfg *c;
	char            path[64];
	char           *err;
	size_t          errlen;
};

/* bootcfg.c */
extern const char *const log_level_names[LOG_LEVELS];

/* bootcfg_check.c: messages */
int fail(struct pctx *p, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
const char *shown(char *buf, size_t size, const char *s, size_t len);
#define SHOWN_MAX 40
#define SHOW(buf, s, len) shown((buf), sizeof(buf), (s), (len))
void set_path(struct pctx *p, const char *parent, const char *name);
void add_path(struct pctx *p, const char *name);
void fmt_ipv4(char *buf, size_t len, uint32_t a);
void fmt_mac(char *buf, size_t len, const uint8_t *m);

/* bootcfg_check.c: values */
void scopy(char *d, const char *s, size_t size);
int get_str(struct pctx *p, const char *prop, const void *v, int len,
	    size_t maxlen, const char **out);
int get_flag(struct pctx *p, const char *prop, int len, bool *out);
bool valid_name(const char *s);
int bad_name(struct pctx *p, const char *what, const char *s,
	     size_t len);
int get_name(struct pctx *p, const char *prop, const void *v, int len,
	     char *out);
int get_modname(struct pctx *p, const char *prop, const void *v,
		int len, char *out);
int get_text(struct pctx *p, const char *prop, const void *v, int len,
	     size_t maxlen, bool multiline, const char **out);
int get_pem(struct pctx *p, const char *prop, const void *v, int len,
	    const char *begin, const char *end, const char **out,
	    size_t *outlen);
int get_mac(struct pctx *p, const char *prop, const void *v, int len,
	    uint8_t *out);
int get_addr(struct pctx *p, const char *prop, const void *v, int len,
	     bool cidr, struct bootcfg_ipv4 *out);
int check_gateway(struct pctx *p, uint32_t gw,
		  const struct bootcfg_ipv4 *ifa);
int find_net(const struct bootcfg *c, const char *name);
int get_netref(struct pctx *p, const char *prop, const void *v,
	       int len, int *out);

/* bootcfg_policy.c: a policy's ingress or egress rule list */
int get_rules(struct pctx *p, const char *prop, const void *v, int len,
	      struct bootcfg_rules *out);

/* bootcfg_check.c: whole tree */
int check_unique(struct pctx *p);

#endif
