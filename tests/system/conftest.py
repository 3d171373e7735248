"""Fixtures and helpers for Bastion's system tests: real boots in emulators.

BASTION_BUILD names the build directory (the Makefile's BUILD, default
"build"), relative to the repository root or absolute; BASTION_MAKE the make
command (default "make"). Fixtures build what a test needs with
`make BUILD=$BASTION_BUILD <targets>`; every boot's serial console is kept in
$BUILD/test-logs/<test>.log and shown in the report of a failed test.
"""
import os
import re
import shlex
import shutil
import socket
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD_ARG = os.environ.get("BASTION_BUILD", "build")   # as make's BUILD
BUILD = os.path.join(ROOT, BUILD_ARG)
LOG_DIR = os.path.join(BUILD, "test-logs")
RUN_QEMU = os.path.join(ROOT, "tools", "run-qemu.py")
RUN_BOCHS = os.path.join(ROOT, "tools", "run-bochs.py")

QEMU_TIMEOUT = 60
BOCHS_TIMEOUT = 300
SMP = 2
FAULT_CMDLINE = "test.exit test.fault=ud"   # mk/media.mk's TEST_CMDLINE

# Debian packages behind each tool; a missing one fails the test that needs
# it with this hint (nothing is skipped).
TOOLS = {
    "make": "make", "dtc": "device-tree-compiler",
    "qemu-system-x86_64": "qemu-system-x86", "bochs": "bochs bochsbios vgabios",
    "grub-mkrescue": "grub-common grub-pc-bin grub-efi-amd64-bin",
    "xorriso": "xorriso", "mformat": "mtools",
}
FILES = {
    "/usr/share/ovmf/OVMF.fd": "ovmf",
    "/usr/lib/ipxe/qemu/efi-e1000.rom": "ipxe-qemu",
    "/usr/share/bochs/BIOS-bochs-latest": "bochsbios",
    "/usr/share/bochs/VGABIOS-lgpl-latest": "vgabios",
}


def need(*things):
    """Fails (never skips) when a tool or file the test needs is missing."""
    for t in things:
        if t.startswith("/"):
            ok, pkg = os.path.exists(t), FILES.get(t, "?")
        else:
            ok, pkg = shutil.which(t) is not None, TOOLS.get(t, "?")
        if not ok:
            pytest.fail(f"{t} is missing: install the Debian package(s) {pkg} "
                        "(make deps)", pytrace=False)


def free_port():
    """A TCP port free on 127.0.0.1 now (for QEMU's hostfwd)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def make(*targets):
    """Builds targets, named relative to BUILD ("test/pxe/boot.ipxe")."""
    need("make")
    env = dict(os.environ)
    for k in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"):
        env.pop(k, None)   # a nested make must not chase the outer jobserver
    cmd = shlex.split(os.environ.get("BASTION_MAKE", "make")) + [
        "-C", ROOT, f"BUILD={BUILD_ARG}", *(f"{BUILD_ARG}/{t}" for t in targets)]
    p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    if p.returncode:
        pytest.fail(f"{shlex.join(cmd)} failed ({p.returncode}):\n"
                    + p.stdout[-6000:], pytrace=False)


# ------------------------------------------------------------------ artifacts

@pytest.fixture(scope="session")
def kernel():
    """(bastion.elf, bootcfg.dtb) of BUILD."""
    need("dtc")
    make("bastion.elf", "bootcfg.dtb")
    return os.path.join(BUILD, "bastion.elf"), os.path.join(BUILD, "bootcfg.dtb")


@pytest.fixture(scope="session")
def test_iso(kernel):
    """The test ISO: the real media recipe with FAULT_CMDLINE baked in."""
    need("grub-mkrescue", "xorriso", "mformat")
    make("test/bastion-test.iso")
    return os.path.join(BUILD, "test", "bastion-test.iso")


@pytest.fixture(scope="session")
def test_pxe(kernel):
    """The test PXE folder (boot.ipxe with FAULT_CMDLINE)."""
    make("test/pxe/boot.ipxe")
    return os.path.join(BUILD, "test", "pxe")


@pytest.fixture(scope="session")
def garbage_cfg(tmp_path_factory):
    """A file that is no devicetree blob, to hand over as the boot config."""
    p = tmp_path_factory.mktemp("cfg") / "garbage.dtb"
    p.write_bytes(b"this is not a flattened devicetree\n" * 8)
    return str(p)


# ------------------------------------------------------------------ booting

class Boot:
    """One finished emulator run: exit status, serial console, its file."""

    def __init__(self, status, raw, path, runner_err):
        self.status = status
        self.path = path
        self.runner_err = runner_err
        self.text = clean(raw)
        self.lines = self.text.split("\n")

    def console(self):
        return Console(self.lines, self.path)


ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[=>]")


def clean(raw):
    """Console bytes to plain lines: no CRs, no terminal escapes (GRUB, OVMF)."""
    t = raw.decode("utf-8", errors="replace")
    t = ANSI.sub("", t).replace("\r\n", "\n").replace("\r", "\n")
    return "".join(c for c in t if c == "\n" or c == "\t" or c >= " ")


class Console:
    """Walks the console lines in order; each expect() starts after the
    previous match, so a sequence of expects asserts the order."""

    def __init__(self, lines, path):
        self.lines = lines
        self.path = path
        self.pos = 0

    def expect(self, regex, what=None):
        r = re.compile(regex)
        for i in range(self.pos, len(self.lines)):
            m = r.search(self.lines[i])
            if m:
                self.pos = i + 1
                return m
        prev = self.lines[self.pos - 1] if self.pos else "(start of console)"
        pytest.fail(f"console {self.path}: no line matching {what or regex!r} "
                    f"after line {self.pos}: {prev!r}", pytrace=False)

    def peek(self):
        """The next line, or None at the end."""
        return self.lines[self.pos] if self.pos < len(self.lines) else None

    def between(self, regex):
        """Lines from here up to (not including) the first match of regex."""
        r = re.compile(regex)
        out = []
        for line in self.lines[self.pos:]:
            if r.search(line):
                break
            out.append(line)
        return out


@pytest.fixture
def boot(request):
    """boot(emu, *args, name=None) -> Boot: one emulator run with a timeout.

    emu is "qemu" (tools/run-qemu.py) or "bochs" (tools/run-bochs.py); args
    go to the runner. The console lands in $BUILD/test-logs/<name>.log."""
    runs = []
    request.node.bastion_runs = runs

    def _boot(emu, *args, name=None):
        name = name or re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
        os.makedirs(LOG_DIR, exist_ok=True)
        log = os.path.join(LOG_DIR, name + ".log")
        if emu == "qemu":
            need("qemu-system-x86_64")
            cmd = [RUN_QEMU, "--smp", str(SMP),
                   "--timeout", str(QEMU_TIMEOUT), *args]
            limit = QEMU_TIMEOUT
        elif emu == "bochs":
            need("bochs", "/usr/share/bochs/BIOS-bochs-latest",
                 "/usr/share/bochs/VGABIOS-lgpl-latest")
            cmd = [RUN_BOCHS, "--smp", str(SMP),
                   "--timeout", str(BOCHS_TIMEOUT), *args]
            limit = BOCHS_TIMEOUT
        else:
            raise ValueError(emu)
        cmd += ["--log", log, "--quiet"]
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=limit + 60)
        with open(log, "rb") as f:
            raw = f.read()
        b = Boot(p.returncode, raw, log, p.stderr.decode(errors="replace"))
        runs.append((shlex.join(cmd), b))
        if p.returncode == 124:
            pytest.fail(f"{emu}: no end within {limit} s (timeout); console "
                        f"{log} ends with:\n" + "\n".join(b.lines[-15:]),
                        pytrace=False)
        return b

    return _boot


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test's report shows each boot's command and whole console."""
    outcome = yield
    rep = outcome.get_result()
    if rep.when != "call" or rep.passed:
        return
    for cmd, b in getattr(item, "bastion_runs", []):
        rep.sections.append((f"boot: {os.path.relpath(b.path, ROOT)} "
                             f"(exit status {b.status})",
                             f"$ {cmd}\n{b.runner_err}\n{b.text}"))


# ------------------------------------------------------------------ checks

PROTECTIONS = ("NX", "SMEP", "SMAP", "UMIP", "WP")


def expect_boot_to_ready(con, proto, smp=SMP, must_be_on=PROTECTIONS):
    """Asserts, in order: banner, boot line, memory map and its summary, then
    the protections and SMP lines (either order: the kernel may bring up the
    APs before it reports what is enforced on all CPUs), config, ready.
    Returns the config lines."""
    con.expect(r"^Bastion .*x86_64 hypervisor", "banner 'Bastion ... x86_64 hypervisor'")
    con.expect(rf"^boot: {proto} ", f"boot: {proto} ...")
    mem = con.between(r"^mem: usable ")
    assert any(l.startswith("mem: ") for l in mem), \
        "no 'mem: ' line between the boot line and the 'mem: usable' summary"
    m = con.expect(r"^mem: usable (\d+) MiB\b", "mem: usable N MiB")
    assert int(m.group(1)) > 0, f"usable memory is {m.group(1)} MiB"
    summaries = [l for l in con.lines if re.match(r"^mem: usable ", l)]
    assert len(summaries) == 1, f"{len(summaries)} 'mem: usable' summaries: {summaries}"

    after_mem = con.pos
    m = con.expect(r"^protections: ([A-Z]+ (?:on|off)\b.*)$", "protections: NX on, ...")
    after_prot = con.pos
    state = {}
    for item in m.group(1).split(", "):
        mm = re.fullmatch(r"([A-Z]+) (on|off)", item)
        assert mm, f"protections item {item!r} is not '<NAME> on|off' in {m.group(0)!r}"
        state[mm.group(1)] = mm.group(2)
    assert set(PROTECTIONS) <= set(state), \
        f"protections line lacks {sorted(set(PROTECTIONS) - set(state))}: {m.group(0)!r}"
    off = [p for p in must_be_on if state[p] != "on"]
    assert not off, f"{off} should be on: {m.group(0)!r}"

    con.pos = after_mem
    m = con.expect(r"^smp: (\d+) of (\d+) CPUs online$", "smp: N of M CPUs online")
    assert (int(m.group(1)), int(m.group(2))) == (smp, smp), \
        f"expected {smp} of {smp} CPUs online: {m.group(0)!r}"
    con.pos = max(con.pos, after_prot)

    cfg = [l for l in con.between(r"^bastion: ready\b") if l.startswith("config: ")]
    con.expect(r"^config: ", "config: ...")
    con.expect(r"^bastion: ready\b", "bastion: ready")
    return cfg


def expect_ud_report(con):
    """The fatal-exception report for test.fault=ud, in order, then status 2."""
    con.expect(r"^EXCEPTION: #UD\b", "EXCEPTION: #UD ...")
    regs = " ".join(con.between(r"^backtrace:"))
    for r in ("RIP=", "RSP=", "RAX=", "CR2=", "CR3="):
        assert r in regs, f"register dump lacks {r}: {regs!r}"
    con.expect(r"^backtrace:", "backtrace:")
    frame = con.peek()
    assert frame and frame.strip() and not frame.startswith("system halted"), \
        f"no frame line after 'backtrace:' (next: {frame!r})"
    con.expect(r"system halted", "system halted")
    con.expect(r"^bastion: shutdown status=2$", "bastion: shutdown status=2")


# QEMU's isa-debug-exit: exit code (N << 1) | 1 for kernel status N.
def qemu_code(status):
    return (status << 1) | 1
