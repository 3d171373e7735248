"""Containers in micro-VMs (issue 5): Debian's stock 6.1 kernel booting
container images that tools/mkimage made from OCI layouts (umoci, busybox),
under QEMU (AMD-V) with six VMs side by side on two CPUs
(tests/guests/containers.dts), and one container under Bochs (VT-x).

Each container prints through the guest's 16550, which the host shows
line by line as "[vm] ..."; its init reports the exit status through the
debug-exit port, and the host says how each VM ended.
"""
import os
import re
import subprocess

import pytest

from conftest import BUILD, LOG_DIR, RUN_BOCHS, RUN_QEMU, Boot, make, need, qemu_code

IMAGES = ["hello", "exit3", "panic", "sleeper", "user"]
TIMEOUT = 420


def run(cmd, log, timeout):
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout + 60)
    with open(log, "rb") as f:
        b = Boot(p.returncode, f.read(), log, p.stderr.decode(errors="replace"))
    if p.returncode == 124:
        pytest.fail("no end in time; console ends with:\n" + "\n".join(b.lines[-30:]))
    return b


@pytest.fixture(scope="module")
def ctest():
    need("qemu-system-x86_64", "dtc")
    make("bastion.elf", "test/containers.dtb", "guest-kernel/vmlinuz",
         *(f"images/{i}.cpio" for i in IMAGES))
    os.makedirs(LOG_DIR, exist_ok=True)
    log = os.path.join(LOG_DIR, "containers-svm-qemu.log")
    cmd = [RUN_QEMU, "--kernel", os.path.join(BUILD, "bastion.elf"), "--mem", "1536",
           "--module", os.path.join(BUILD, "test", "containers.dtb"), "bootcfg",
           "--module", os.path.join(BUILD, "guest-kernel", "vmlinuz"), "vmlinuz",
           "--module", os.path.join(BUILD, "bastion.elf"), "bastion"]
    for i in IMAGES:
        cmd += ["--module", os.path.join(BUILD, "images", f"{i}.cpio"), i]
    cmd += ["--append", "test.exit test.timeout=120", "--smp", "2",
            "--timeout", str(TIMEOUT), "--log", log, "--quiet"]
    return run(cmd, log, TIMEOUT)


def lines(b, vm):
    return [l.split("] ", 1)[1] for l in b.lines if l.startswith(f"[{vm}] ")]


def ended(b, vm):
    """How the host says the VM ended: the final state line."""
    for l in b.lines:
        m = re.match(rf"vm {re.escape(vm)}: (exited|crashed|stopped): (.*?), \d+ MiB", l)
        if m:
            return m.group(1), m.group(2)
    return None


def test_host_shuts_down_cleanly(ctest):
    assert ctest.status == qemu_code(0), "\n".join(ctest.lines[-20:])


def test_container_prints_and_exits_0(ctest):
    out = lines(ctest, "hello")
    assert "bastion-init: exec /bin/sh" in out
    assert "hello from a container" in out
    assert "bastion-init: exit status 0" in out
    assert ended(ctest, "hello") == ("exited", "exited with status 0")


def test_exit_status_propagates(ctest):
    assert ended(ctest, "exit3") == ("exited", "exited with status 3")
    assert "bastion-init: exit status 3" in lines(ctest, "exit3")


def test_two_vcpu_container(ctest):
    assert "hello from a container" in lines(ctest, "duo")
    assert ended(ctest, "duo") == ("exited", "exited with status 0")
    assert re.search(r"vm duo: exited: .*, 2 vCPU\(s\)", "\n".join(ctest.lines))


def test_image_config_user_is_applied(ctest):
    assert "uid=1000(user) gid=1000(user)" in lines(ctest, "user")
    assert ended(ctest, "user") == ("exited", "exited with status 0")


def test_guest_panic_ends_only_that_vm(ctest):
    """The panicking guest resets itself (panic=-1, reboot=k): the VM is
    reported crashed; its neighbours, still running then, finish."""
    assert ended(ctest, "panic") == ("crashed", "guest reset (8042 reset line)")
    assert "still alive" not in lines(ctest, "panic")
    crash = next(i for i, l in enumerate(ctest.lines) if l.startswith("vm panic: stopped:"))
    later = [l for l in ctest.lines[crash:] if l.startswith("vm ") and ": stopped: " in l]
    assert later, "no VM ended after the panic: nothing shows the neighbours survived it"
    assert ended(ctest, "sleeper") == ("exited", "exited with status 0")
    assert "slept well" in lines(ctest, "sleeper")


def test_multiboot_guest(ctest):
    """Bastion's own image as a Multiboot 1 guest: 32-bit entry, memory
    map and command line from the loader; it sees CPUID without VT-x or
    AMD-V, says so, and reports its clean stop through the exit port."""
    out = lines(ctest, "inner")
    assert any(l.startswith('boot: multiboot1 loader "Bastion" cmdline "test.exit"') for l in out), out[:5]
    assert any("neither VT-x nor AMD-V" in l for l in out)
    assert ended(ctest, "inner") == ("exited", "exited with status 0")


def test_every_page_comes_back(ctest):
    m = next(re.match(r"vmm: after destroying every VM, (\d+) pages free \((\d+) before", l)
             for l in ctest.lines if l.startswith("vmm: after destroying"))
    assert m and m.group(1) == m.group(2), m and m.group(0)


def test_host_overhead_per_vm_is_small(ctest):
    """Issue 5 aims at under 64 KiB of host memory per VM beyond its RAM
    (the kernel counts pages used by the create, plus each vCPU's 16 KiB
    task stack). The first VM also pays for fresh heap slabs; each further
    vCPU costs a stack, a VMCB or VMCS and an FPU area."""
    one, more = [], []
    for l in ctest.lines:
        m = re.match(r"vm (\S+): (?:exited|crashed|stopped): .*, (\d) vCPU\(s\), "
                     r"(\d+) KiB host overhead", l)
        if m:
            (one if m.group(2) == "1" else more).append(int(m.group(3)))
    one = one[:5]       # the containers; the last is the Multiboot guest
    assert len(one) == 5 and len(more) == 1, (one, more)
    assert sorted(one)[len(one) // 2] <= 64, one
    # The count is of pages the whole host used meanwhile: a bound for
    # sanity only (another CPU may allocate during a create).
    assert max(one + more) <= 128, (one, more)


def test_container_under_vtx_bochs():
    """VT-x with EPT (Bochs, corei7_skylake_x): a stock kernel boots a
    container to its entrypoint and its status reaches the host."""
    need("bochs", "grub-mkrescue", "/usr/share/bochs/BIOS-bochs-latest")
    make("test/container.iso")
    os.makedirs(LOG_DIR, exist_ok=True)
    log = os.path.join(LOG_DIR, "container-vmx-bochs.log")
    limit = 1500
    cmd = [RUN_BOCHS, "--smp", "2", "--mem", "512", "--timeout", str(limit), "--iso",
           os.path.join(BUILD, "test", "container.iso"), "--log", log, "--quiet"]
    b = run(cmd, log, limit)
    text = "\n".join(b.lines)
    assert re.search(r"vmx: VT-x with EPT", text)
    out = lines(b, "hello")
    assert "bastion-init: exec /bin/sh" in out, "\n".join(b.lines[-30:])
    assert "hello from a container" in out
    assert ended(b, "hello") == ("exited", "exited with status 0")
