/* bastion-init: PID 1 of a container micro-VM (static, glibc).
 *
 * Mounts the basics, loads the virtio modules from the initramfs, sets up
 * the network and hostname from the kernel command line, runs the
 * container's entrypoint as configured in /.bastion/config
 * (tools/mkimage/config.h), reaps orphans while it runs, and reports its
 * exit status to the host through the debug-exit port. See README.md.
 *
 * PID 1 must never exit (the kernel panics), so every way out goes
 * through finish(), which reports a status and powers the VM off.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <net/route.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "tools/mkimage/config.h"

#define CONFIG_PATH  "/.bastion/config"
#define MOD_DIR      "/.bastion/modules"
#define EXIT_PORT    0xf4	/* Bastion's debug-exit device; QEMU's
				 * isa-debug-exit,iobase=0xf4,iosize=4 */
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static int con = 2;		/* init's own messages */

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n = snprintf(buf, sizeof(buf), "bastion-init: ");

	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(con, buf, (size_t)n) < 0) {
		/* Nowhere left to complain. */
	}
}

/* Reports status to the host and stops the VM; never returns. */
static void __attribute__((noreturn)) finish(int status)
{
	kill(-1, SIGKILL);
	sync();
	/* The console is a UART the kernel drains by interrupts: wait until
	 * every byte is out, or the VM ends with the last lines unsent. */
	tcdrain(con);
	tcdrain(1);
	/* The debug-exit device stops the VM on a 32-bit write. */
	if (ioperm(EXIT_PORT, 4, 1) == 0)
		outl((unsigned)status, EXIT_PORT);
	else
		say("ioperm(0x%x): %s", EXIT_PORT, strerror(errno));
	/* Still here: no such device (plain QEMU or real hardware). */
	reboot(RB_AUTOBOOT);
	for (;;)
		pause();
}

static void __attribute__((noreturn)) fatal(int status, const char *fmt, ...)
{
	char buf[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	say("error: %s", buf);
	say("exit status %d", status);
	finish(status);
}

static void mount_one(const char *src, const char *dst, const char *type,
		      unsigned long flags, const char *data, mode_t mode)
{
	mkdir(dst, mode);
	if (mount(src, dst, type, flags, data) < 0 && errno != EBUSY)
		say("warning: mount %s on %s: %s", type, dst, strerror(errno));
}

static void mount_basics(void)
{
	mount_one("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, 0555);
	mount_one("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, 0555);
	mount_one("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755", 0755);
	mount_one("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
		  "newinstance,ptmxmode=0666,mode=0620", 0755);
	mount_one("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", 01777);
	mount_one("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", 01777);
	mount_one("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755", 0755);
	if (access("/dev/ptmx", F_OK) < 0 && symlink("pts/ptmx", "/dev/ptmx") < 0)
		say("warning: /dev/ptmx: %s", strerror(errno));
}

/* stdin/stdout/stderr on the console (ttyS0 with console=ttyS0). */
static void open_console(void)
{
	int fd = open("/dev/console", O_RDWR | O_NOCTTY);

	if (fd < 0)
		return;		/* keep what the kernel gave us */
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
	con = fcntl(2, F_DUPFD_CLOEXEC, 3);
	if (con < 0)
		con = 2;
}

static char *slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t cap = 4096, n = 0;
	char *buf;

	if (fd < 0)
		return NULL;
	buf = malloc(cap + 1);
	for (;;) {
		ssize_t r;

		if (!buf)
			break;
		if (n == cap) {
			char *nb = cap < BCFG_MAX_SIZE * 2 ? realloc(buf, cap * 2 + 1) : NULL;

			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (buf) {
		buf[n] = '\0';
		*len = n;
	}
	return buf;
}

/* finit_module(2) each module of MOD_DIR/modules.order, dependencies
 * first (the order file is written that way). Built-in or already
 * loaded modules answer EEXIST. */
static void load_modules(void)
{
	size_t len;
	char *order = slurp(MOD_DIR "/modules.order", &len), *line, *save = NULL;

	if (!order)
		return;		/* an image without modules */
	for (line = strtok_r(order, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char path[512];
		int fd;

		if (!line[0] || line[0] == '#')
			continue;
		snprintf(path, sizeof(path), MOD_DIR "/%s", line);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			say("warning: module %s: %s", line, strerror(errno));
			continue;
		}
		if (syscall(SYS_finit_module, fd, "", 0) < 0 && errno != EEXIST)
			say("warning: loading module %s: %s", line, strerror(errno));
		close(fd);
	}
	free(order);
}

/* Kernel command line parameters we understand. */
struct net {
	const char *ip, *gw, *dns, *hostname, *mac, *iface;
};

static void parse_cmdline(char *cl, struct net *n)
{
	static const struct { const char *key; size_t off; } keys[] = {
		{ "bastion.ip=", offsetof(struct net, ip) },
		{ "bastion.gw=", offsetof(struct net, gw) },
		{ "bastion.dns=", offsetof(struct net, dns) },
		{ "bastion.hostname=", offsetof(struct net, hostname) },
		{ "bastion.mac=", offsetof(struct net, mac) },
		{ "bastion.iface=", offsetof(struct net, iface) },
	};
	char *tok, *save = NULL;

	for (tok = strtok_r(cl, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save))
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (!strncmp(tok, keys[i].key, strlen(keys[i].key)))
				*(const char **)((char *)n + keys[i].off) = tok + strlen(keys[i].key);
}

static int ifreq_ioctl(int s, unsigned long req, struct ifreq *ifr, const char *what)
{
	if (ioctl(s, req, ifr) < 0) {
		say("warning: %s on %s: %s", what, ifr->ifr_name, strerror(errno));
		return -errno;
	}
	return 0;
}

static void if_up(int s, const char *ifname)
{
	struct ifreq ifr = { 0 };

	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
	if (ifreq_ioctl(s, SIOCGIFFLAGS, &ifr, "SIOCGIFFLAGS") == 0) {
		ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
		ifreq_ioctl(s, SIOCSIFFLAGS, &ifr, "SIOCSIFFLAGS");
	}
}

static void set_sin(struct sockaddr *sa, struct in_addr a)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr = a };

	memcpy(sa, &sin, sizeof(sin));
}

/* IPv4 by ioctl (SIOCSIFADDR, SIOCSIFNETMASK, SIOCADDRT): a few lines,
 * and enough for one address and a default route. */
static void setup_net(const struct net *n)
{
	const char *ifname = n->iface ? n->iface : "eth0";
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr = { 0 };
	struct in_addr addr, mask, gw;
	char ip[32], *slash;
	long plen = 32;

	if (s < 0) {
		say("warning: socket: %s", strerror(errno));
		return;
	}
	if_up(s, "lo");		/* the kernel adds 127.0.0.1/8 itself */
	if (!n->ip)
		goto out;
	snprintf(ip, sizeof(ip), "%s", n->ip);
	if ((slash = strchr(ip, '/'))) {
		char *end;

		*slash = '\0';
		plen = strtol(slash + 1, &end, 10);
		if (*end || end == slash + 1 || plen < 0 || plen > 32)
			fatal(1, "bastion.ip=%s: bad prefix length", n->ip);
	}
	if (inet_pton(AF_INET, ip, &addr) != 1)
		fatal(1, "bastion.ip=%s: not an IPv4 address", n->ip);
	mask.s_addr = htonl(plen ? 0xffffffffu << (32 - plen) : 0);
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);

	if (n->mac) {
		unsigned m[6];

		if (sscanf(n->mac, "%2x:%2x:%2x:%2x:%2x:%2x", &m[0], &m[1], &m[2], &m[3],
			   &m[4], &m[5]) != 6)
			fatal(1, "bastion.mac=%s: expected xx:xx:xx:xx:xx:xx", n->mac);
		ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
		for (int i = 0; i < 6; i++)
			ifr.ifr_hwaddr.sa_data[i] = (char)m[i];
		ifreq_ioctl(s, SIOCSIFHWADDR, &ifr, "SIOCSIFHWADDR");
	}
	set_sin(&ifr.ifr_addr, addr);
	if (ifreq_ioctl(s, SIOCSIFADDR, &ifr, "SIOCSIFADDR") < 0)
		fatal(1, "cannot configure %s (is virtio_net loaded?)", ifname);
	set_sin(&ifr.ifr_netmask, mask);
	ifreq_ioctl(s, SIOCSIFNETMASK, &ifr, "SIOCSIFNETMASK");
	if_up(s, ifname);

	if (n->gw) {
		struct rtentry rt = { 0 };
		char dev[IFNAMSIZ];

		if (inet_pton(AF_INET, n->gw, &gw) != 1)
			fatal(1, "bastion.gw=%s: not an IPv4 address", n->gw);
		snprintf(dev, sizeof(dev), "%s", ifname);
		set_sin(&rt.rt_dst, (struct in_addr){ 0 });
		set_sin(&rt.rt_genmask, (struct in_addr){ 0 });
		set_sin(&rt.rt_gateway, gw);
		rt.rt_flags = RTF_UP | RTF_GATEWAY;
		rt.rt_dev = dev;
		if (ioctl(s, SIOCADDRT, &rt) < 0)
			say("warning: default route via %s: %s", n->gw, strerror(errno));
	}
out:
	close(s);
}

/* /etc/resolv.conf from bastion.dns=A[,B...]; replaces whatever the
 * image had there (often a symlink into /run). */
static void write_resolv(const char *dns)
{
	char buf[1024], *copy = strdup(dns), *a, *save = NULL;
	size_t n = 0;
	int fd;

	if (!copy)
		return;
	for (a = strtok_r(copy, ",", &save); a && n < sizeof(buf) - 64; a = strtok_r(NULL, ",", &save))
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "nameserver %.40s\n", a);
	free(copy);
	mkdir("/etc", 0755);
	unlink("/etc/resolv.conf");
	fd = open("/etc/resolv.conf", O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, buf, n) != (ssize_t)n)
		say("warning: /etc/resolv.conf: %s", strerror(errno));
	if (fd >= 0)
		close(fd);
}

static const char *env_get(char **env, const char *key)
{
	size_t kl = strlen(key);

	for (; env && *env; env++)
		if (!strncmp(*env, key, kl) && (*env)[kl] == '=')
			return *env + kl + 1;
	return NULL;
}

/* execvp() semantics with the container's PATH (not ours): names with a
 * '/' run as they are; otherwise each PATH entry is tried, and EACCES is
 * remembered as the shell does. Returns only on failure, with errno. */
static void exec_path(char **argv, char **env)
{
	const char *path = env_get(env, "PATH"), *p;
	bool eacces = false;

	if (strchr(argv[0], '/')) {
		execve(argv[0], argv, env);
		return;
	}
	if (!path)
		path = DEFAULT_PATH;
	for (p = path;; p++) {
		const char *e = strchrnul(p, ':');
		char full[4096];

		if ((size_t)snprintf(full, sizeof(full), "%.*s%s%s", (int)(e - p), p,
				     e == p ? "" : "/", argv[0]) < sizeof(full)) {
			execve(full, argv, env);
			if (errno == EACCES)
				eacces = true;
			else if (errno != ENOENT && errno != ENOTDIR)
				return;
		}
		if (!*e)
			break;
		p = e;
	}
	errno = eacces ? EACCES : ENOENT;
}

static void mkdir_p(const char *dir)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "%s", dir);
	for (char *s = buf + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			mkdir(buf, 0755);
			*s = '/';
		}
	mkdir(buf, 0755);
}

static void __attribute__((noreturn)) child(const struct bcfg *c)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* A session of its own, but no controlling terminal: when a session
	 * leader with one exits, Linux hangs the terminal up and flushes
	 * what it has not sent yet: the container's last lines would be
	 * lost (seen with two vCPUs, where the exit outruns the UART). */
	setsid();
	if (setgroups(0, NULL) < 0 || setgid(c->gid) < 0 || setuid(c->uid) < 0) {
		say("error: cannot switch to uid %u gid %u: %s", c->uid, c->gid, strerror(errno));
		_exit(126);
	}
	if (chdir(c->workdir ? c->workdir : "/") < 0) {
		say("error: working directory %s: %s", c->workdir, strerror(errno));
		_exit(126);
	}
	say("exec %s", c->argv[0]);
	exec_path(c->argv, c->env);
	say("error: exec %s: %s", c->argv[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

int main(void)
{
	struct net net = { 0 };
	struct bcfg cfg;
	char *cl, *buf;
	size_t len;
	pid_t pid;
	int rc, status;

	open_console();
	mount_basics();
	open_console();
	say("starting");

	load_modules();
	cl = slurp("/proc/cmdline", &len);
	if (cl)
		parse_cmdline(cl, &net);
	setup_net(&net);
	if (net.hostname && sethostname(net.hostname, strlen(net.hostname)) < 0)
		say("warning: hostname %s: %s", net.hostname, strerror(errno));
	if (net.dns)
		write_resolv(net.dns);

	buf = slurp(CONFIG_PATH, &len);
	if (!buf)
		fatal(127, "%s: %s", CONFIG_PATH, strerror(errno));
	if ((rc = bcfg_decode((const uint8_t *)buf, len, &cfg)) < 0)
		fatal(127, "%s: malformed (%s)", CONFIG_PATH, strerror(-rc));
	free(buf);
	if (cfg.workdir)
		mkdir_p(cfg.workdir);	/* as Docker does for WORKDIR */

	pid = fork();
	if (pid < 0)
		fatal(126, "fork: %s", strerror(errno));
	if (pid == 0)
		child(&cfg);

	/* Reap everything; the container ends when its main process does. */
	for (;;) {
		pid_t w = wait(&status);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			fatal(126, "wait: %s", strerror(errno));
		}
		if (w == pid)
			break;
	}
	if (WIFSIGNALED(status)) {
		say("killed by signal %d", WTERMSIG(status));
		rc = 128 + WTERMSIG(status);
	} else {
		rc = WEXITSTATUS(status);
	}
	say("exit status %d", rc);
	finish(rc);
}
