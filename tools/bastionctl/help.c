/* The verbs and their manual pages. */
#include <stdio.h>
#include <string.h>

#include "tools/bastionctl/cli.h"

#define C V_CONNECT

const struct verb verbs[VB_COUNT] = {
[VB_HOST_INFO] = { "host", "info", 0, 0, C, VB_HOST_INFO,
	"host info",
	"show the host's version, CPUs, memory, uptime and protections",
	"Calls host.info and shows what the host reports: its version, the\n"
	"hardware virtualization in use (vmx, svm or none), CPUs, memory,\n"
	"uptime and the hardening features that are active.",
	NULL,
	"bastionctl host info\n"
	"bastionctl --json host info | jq .protections" },
[VB_VM_LS] = { "vm", "ls", 0, 0, C, VB_VM_LS,
	"vm ls",
	"list the VMs",
	"Calls vm.list. The table has the columns NAME, STATE (created,\n"
	"running, stopping, exited, stopped, crashed), STATUS (the exit status\n"
	"of an exited VM, or why it stopped), MEMORY and VCPUS.",
	NULL,
	"bastionctl vm ls\n"
	"bastionctl --json vm ls" },
[VB_VM_LOGS] = { "vm", "logs", 1, 1, C | V_O_FOLLOW, VB_VM_LOGS,
	"vm logs NAME [-f]",
	"show a VM's console output",
	"Calls vm.console and prints the newest console output of the VM (up to\n"
	"4095 bytes). Terminal control characters in it are shown as '?'.\n"
	"With -f it keeps polling (twice a second) and prints new output until the\n"
	"VM is no longer running, then exits with the VM's exit status (or 1,\n"
	"with a message, when the VM crashed or stopped without one).",
	"-f, --follow   follow the output until the VM stops",
	"bastionctl vm logs web\n"
	"bastionctl vm logs job -f && echo job succeeded" },
[VB_VM_RUN] = { "vm", "run", 1, 1, C | V_O_IMAGE | V_O_KERNEL | V_O_MEMORY |
		V_O_VCPUS | V_O_CMDLINE | V_O_NETWORK | V_O_IP | V_O_GATEWAY | V_O_LABEL |
		V_O_POLICY, VB_VM_RUN,
	"vm run NAME --image IMAGE [--kernel IMAGE] [--memory MIB] [--vcpus N] [--cmdline S]\n"
	"           [--network NET [--ip A.B.C.D/N] [--gateway A.B.C.D] [--label L]... [--policy FILE]]",
	"create a VM from a container image and start it",
	"Calls vm.create, then fw.set with --policy, then vm.start. IMAGE names an\n"
	"image the host holds: one uploaded with vm upload, else a boot module.\n"
	"With --network the VM gets a port on that switch network, with the\n"
	"address it may use (anti-spoofing) and labels other policies can name;\n"
	"its policy denies everything until --policy (or a later fw set) allows\n"
	"it. If a step fails, the VM is destroyed again: nothing is left behind.",
	"--image IMAGE    the container image (made by bastion-mkimage)\n"
	"--kernel IMAGE   the guest kernel (the host's default: vmlinuz)\n"
	"--memory MIB     guest memory (the host's default: 256)\n"
	"--vcpus N        virtual CPUs (the host's default: 1)\n"
	"--cmdline S      extra guest kernel command line\n"
	"--network NET    a network of the host's boot config\n"
	"--ip A.B.C.D/N   the VM's address and prefix\n"
	"--gateway A      its default route\n"
	"--label L        a label (repeat for more, 8 at most)\n"
	"--policy FILE    the firewall policy, as for fw set",
	"bastionctl vm run web --image demo-a --memory 128\n"
	"bastionctl vm run job --image batch --vcpus 2 --cmdline 'quiet'\n"
	"bastionctl vm run client --image demo-b --network apps --ip 10.2.0.3/24 \\\n"
	"    --label demo-b --policy client.json" },
[VB_VM_START] = { "vm", "start", 1, 1, C, VB_VM_START,
	"vm start NAME",
	"start a created VM",
	"Calls vm.start. The VM must be in the created state.",
	NULL,
	"bastionctl vm start web" },
[VB_VM_STOP] = { "vm", "stop", 1, 1, C | V_O_GRACE, VB_VM_STOP,
	"vm stop NAME [--grace S]",
	"shut a VM down",
	"Calls vm.shutdown: the guest is asked to stop (SIGTERM to its\n"
	"container) and is stopped hard after the grace period.",
	"--grace S   seconds to wait before stopping it hard (the host's\n"
	"            default: 10; 0 stops it at once)",
	"bastionctl vm stop web\n"
	"bastionctl vm stop web --grace 0" },
[VB_VM_RM] = { "vm", "rm", 1, 1, C, VB_VM_RM,
	"vm rm NAME",
	"destroy a stopped VM",
	"Calls vm.destroy: the VM's memory goes back to the host and its name\n"
	"is free again. A running VM is refused; stop it first.",
	NULL,
	"bastionctl vm stop web && bastionctl vm rm web" },
[VB_VM_STATS] = { "vm", "stats", 1, 1, C, VB_VM_STATS,
	"vm stats NAME",
	"show a VM's exit statistics",
	"Calls vm.stats: VM exits by reason, with how often they happened and\n"
	"the time the host spent handling them.",
	NULL,
	"bastionctl vm stats web" },
[VB_VM_UPLOAD] = { "vm", "upload", 2, 2, C, VB_VM_UPLOAD,
	"vm upload NAME FILE",
	"upload a container image to the host",
	"Uploads FILE (an image made by bastion-mkimage) under NAME, in chunks,\n"
	"with image.begin, image.chunk and image.commit (tools/bastionctl/\n"
	"README.md); the host checks its SHA-256 before it keeps it. A progress\n"
	"bar is shown when standard output is a terminal. Hosts that do not\n"
	"implement upload yet answer \"method not found\" (exit status 1).",
	NULL,
	"bastionctl vm upload web build/images/demo-a.cpio\n"
	"bastionctl vm run web --image web" },
[VB_IMAGE_LS] = { "image", "ls", 0, 0, C, VB_IMAGE_LS,
	"image ls",
	"list the images uploaded to the host",
	"Calls image.list: every uploaded image (ready) and every upload in\n"
	"progress (uploading), with its size and SHA-256. Boot modules are not\n"
	"listed.",
	NULL,
	"bastionctl image ls" },
[VB_IMAGE_FETCH] = { "image", "fetch", 2, 2, C | V_O_SHA256, VB_IMAGE_FETCH,
	"image fetch NAME URL --sha256 HEX",
	"have the host download an image over HTTP",
	"Calls image.fetch: the host fetches URL (http://A.B.C.D[:PORT]/PATH; the\n"
	"host has no DNS) itself, over its management port, and keeps the image\n"
	"as NAME only if its SHA-256 is HEX. Waits, polling image.list, until the\n"
	"image is ready (exit 0) or the fetch failed (its reason, exit 1). The\n"
	"fetch goes on on the host if bastionctl is interrupted.",
	"--sha256 HEX     the image's SHA-256 (sha256sum prints it)",
	"bastionctl image fetch web http://10.0.0.1:8000/web.cpio \\\n"
	"    --sha256 $(sha256sum web.cpio | cut -d' ' -f1)" },
[VB_IMAGE_RM] = { "image", "rm", 1, 1, C, VB_IMAGE_RM,
	"image rm NAME",
	"delete an uploaded image",
	"Calls image.rm. VMs created from the image keep running: each has its\n"
	"own copy.",
	NULL,
	"bastionctl image rm web" },
[VB_HOST_REBOOT] = { "host", "reboot", 0, 0, C | V_O_YES, VB_HOST_REBOOT,
	"host reboot --yes",
	"reboot the host",
	"Calls host.reboot. The host answers, then resets a second later: every\n"
	"VM stops without a shutdown, and uploaded images are gone (the host\n"
	"keeps no state). --yes is required.",
	"-y, --yes        confirm",
	"bastionctl host reboot --yes" },
[VB_FW_GET] = { "fw", "get", 1, 1, C, VB_FW_GET,
	"fw get NAME",
	"show a VM's firewall policy",
	"Calls fw.get: the ingress and egress rules of the VM's switch port,\n"
	"with how often each matched, and the drops by the default deny.",
	NULL,
	"bastionctl fw get demo-a" },
[VB_FW_SET] = { "fw", "set", 2, 2, C, VB_FW_SET,
	"fw set NAME POLICY.json",
	"replace a VM's firewall policy",
	"Reads POLICY.json, {\"ingress\": [RULE, ...], \"egress\": [RULE, ...]}\n"
	"(either list may be left out: that direction is kept), and calls\n"
	"fw.set. The host checks every rule before it changes anything, and\n"
	"replaces the policy atomically. \"-\" reads the policy from standard\n"
	"input.",
	NULL,
	"echo '{\"egress\":[\"allow tcp to 10.0.0.2 port 80\"]}' > p.json\n"
	"bastionctl fw set demo-b p.json" },
[VB_FW_GET_GROUP] = { "fw", "get-group", 1, 1, C, VB_FW_GET_GROUP,
	"fw get-group LABEL",
	"show the firewall policies of every VM with a label",
	"Calls fw.get with {\"label\": LABEL}: for each VM whose port carries\n"
	"LABEL, its name, then its ingress and egress rules with their hit\n"
	"counts, as fw get shows them.",
	NULL,
	"bastionctl fw get-group web" },
[VB_FW_SET_GROUP] = { "fw", "set-group", 2, 2, C, VB_FW_SET_GROUP,
	"fw set-group LABEL POLICY.json",
	"replace the firewall policy of every VM with a label",
	"Calls fw.set with {\"label\": LABEL}: the policy file (as for fw set)\n"
	"replaces the policy of every VM whose port carries LABEL, all of them\n"
	"or, if one cannot be changed, none. Prints the VMs it changed. VMs\n"
	"created later with the label get their own policy (vm run --policy).",
	NULL,
	"bastionctl fw set-group web web-policy.json" },
[VB_SWITCH_PORTS] = { "switch", "ports", 0, 0, C, VB_SWITCH_PORTS,
	"switch ports",
	"show the virtual switch's ports",
	"Calls switch.ports: frames and bytes each way, tracked flows and\n"
	"dropped frames (the DROPS column sums all reasons; --json has them\n"
	"one by one).",
	NULL,
	"bastionctl switch ports" },
[VB_LOG_TAIL] = { "log", "tail", 0, 0, C | V_O_LINES, VB_LOG_TAIL,
	"log tail [-n N]",
	"show the host's newest log records",
	"Calls log.tail and prints the records, oldest first.",
	"-n, --lines N   how many records, 1..1000 (default 100)",
	"bastionctl log tail -n 20" },
[VB_RAW] = { "raw", NULL, 1, 2, C, VB_RAW,
	"raw METHOD [JSON-PARAMS]",
	"call any method",
	"Sends one request with the given method and params (a JSON object)\n"
	"and prints the result as JSON.",
	NULL,
	"bastionctl raw rpc.ping\n"
	"bastionctl raw vm.console '{\"name\":\"web\",\"bytes\":100}'" },
[VB_PKI_CA] = { "pki", "ca", 0, 0, V_O_OUT | V_O_NAME | V_O_DAYS, VB_PKI_CA,
	"pki ca --out DIR [--name NAME] [--days N]",
	"create the operator CA",
	"Makes an ECDSA P-256 key and a self-signed CA certificate (subject\n"
	"CN=NAME,O=Bastion; NAME defaults to \"Bastion operator CA\"; 10 years)\n"
	"in DIR: ca.pem and ca-key.pem (mode 0600). Existing files are not\n"
	"overwritten. Keep ca-key.pem offline: whoever holds it can mint admin\n"
	"certificates.",
	"--out DIR   where to write (created if missing)\n"
	"--name NAME the CA's common name\n"
	"--days N    validity (default 3650)",
	"bastionctl pki ca --out ~/bastion-ca" },
[VB_PKI_CLIENT] = { "pki", "client", 0, 0, V_O_OUT | V_O_CA | V_O_NAME | V_O_ROLE |
		    V_O_DAYS, VB_PKI_CLIENT,
	"pki client --ca DIR --name NAME --role admin|read-only --out DIR [--days N]",
	"create an operator's client certificate",
	"Makes a key and a client certificate signed by the CA in --ca DIR,\n"
	"subject CN=NAME,O=Bastion,OU=ROLE: the host takes the session's role\n"
	"from OU (admin may call every method, read-only may not mutate). Writes\n"
	"cert.pem, key.pem (0600) and ca.pem (a copy of the CA certificate) to\n"
	"DIR: the file names bastionctl reads from ~/.config/bastion/.",
	"--ca DIR     the CA made by pki ca\n"
	"--name NAME  the operator (letters, digits, '.', '_', '-', '@')\n"
	"--role ROLE  admin or read-only\n"
	"--out DIR    where to write\n"
	"--days N     validity (default 825)",
	"bastionctl pki client --ca ~/bastion-ca --name alice --role admin \\\n"
	"    --out ~/.config/bastion" },
[VB_PKI_HOST] = { "pki", "host", 0, 0, V_O_OUT | V_O_CA | V_O_NAME | V_O_IP | V_O_DAYS,
	VB_PKI_HOST,
	"pki host --ca DIR --name HOSTNAME [--ip ADDR] --out DIR [--days N]",
	"create a host's server certificate",
	"Makes a key and a server certificate signed by the CA in --ca DIR, for\n"
	"HOSTNAME (CN and a DNS subject alternative name) and, with --ip, for\n"
	"that IPv4 or IPv6 address too. Writes cert.pem, key.pem (0600) and\n"
	"ca.pem to DIR, for the host's boot media.",
	"--ca DIR       the CA made by pki ca\n"
	"--name HOST    the host name clients connect to\n"
	"--ip ADDR      an address clients connect to\n"
	"--out DIR      where to write\n"
	"--days N       validity (default 825)",
	"bastionctl pki host --ca ~/bastion-ca --name bastion1.lab --ip 10.0.0.5 \\\n"
	"    --out bastion1" },
};

static const char global_options[] =
	"--host H[:PORT]   the host (default $BASTION_HOST; port 4443)\n"
	"--cert FILE       our certificate (default $BASTION_CERT, else\n"
	"                  ~/.config/bastion/cert.pem)\n"
	"--key FILE        its key (default $BASTION_KEY, else key.pem there)\n"
	"--ca FILE         the operator CA that signed the host's certificate\n"
	"                  (default $BASTION_CA, else ca.pem there)\n"
	"--fingerprint FP  trust the host's certificate by its SHA-256 (as the\n"
	"                  host prints it at boot when it made its own key)\n"
	"                  instead of the CA's signature\n"
	"--json            print results as JSON, as the host sent them\n"
	"--timeout S       seconds to wait for the connection and each answer\n"
	"                  (default 10)\n"
	"--insecure-plain  FOR TESTS ONLY: plain TCP, no TLS, no authentication\n"
	"                  (e.g. QEMU's -serial tcp::PORT,server). Anyone on the\n"
	"                  path can read and change everything.\n";

static const char exit_status[] =
	"0  success\n"
	"1  the host answered with an error (its message is printed)\n"
	"2  usage error\n"
	"3  cannot connect, or TLS or certificate failure (refused, timeout,\n"
	"   server certificate not signed by the CA, our certificate rejected)\n"
	"4  protocol error: the answer was not what RPC.md promises\n";

static void indent(FILE *f, const char *text)
{
	fputs("    ", f);
	for (const char *p = text; *p; p++) {
		fputc(*p, f);
		if (*p == '\n' && p[1])
			fputs("    ", f);
	}
	if (!*text || text[strlen(text) - 1] != '\n')
		fputc('\n', f);
}

void help_print(FILE *f, const struct verb *v)
{
	if (!v) {
		fputs("NAME\n    bastionctl - manage a Bastion host\n\n"
		      "SYNOPSIS\n    bastionctl [OPTIONS] VERB [ARGS...]\n"
		      "    bastionctl VERB --help\n\nVERBS\n", f);
		for (size_t i = 0; i < VB_COUNT; i++) {
			char name[32];

			snprintf(name, sizeof(name), "%s %s", verbs[i].noun,
				 verbs[i].action ? verbs[i].action : "");
			fprintf(f, "    %-14s %s\n", name, verbs[i].summary);
		}
		fputs("\nOPTIONS\n", f);
		indent(f, global_options);
		fputs("\nEXIT STATUS\n", f);
		indent(f, exit_status);
		return;
	}
	fprintf(f, "NAME\n    bastionctl %s%s%s - %s\n\n", v->noun, v->action ? " " : "",
		v->action ? v->action : "", v->summary);
	fprintf(f, "SYNOPSIS\n    bastionctl [OPTIONS] %s\n\n", v->synopsis);
	fputs("DESCRIPTION\n", f);
	indent(f, v->description);
	fputs("\nOPTIONS\n", f);
	if (v->options)
		indent(f, v->options);
	if (v->flags & V_CONNECT)
		indent(f, global_options);
	else
		indent(f, "(runs locally: no connection, no global options)");
	fputs("\nEXIT STATUS\n", f);
	if (v->id == VB_VM_LOGS)
		indent(f, "With -f: the VM's exit status once it has stopped.");
	if (v->flags & V_CONNECT)
		indent(f, exit_status);
	else
		indent(f, "0  success\n1  failed (the message says why)\n2  usage error");
	fputs("\nEXAMPLES\n", f);
	indent(f, v->examples);
}
