"""VMs on both back ends: AMD-V with nested paging under QEMU (TCG, -cpu
max, -smp 2; the default, fast) and VT-x with EPT under Bochs
(corei7_skylake_x). Each back end gets one boot that runs the functional
suite, the hostile suite and several VMs at once (tests/guests/vmtest.dts)
on two CPUs, with a heartbeat from the host's own service task. The
guests are the same, unchanged; every one reports through the test
device, and the host's console says how each VM ended.
"""
import os
import re
import subprocess

import pytest

from conftest import (BOCHS_TIMEOUT, BUILD, LOG_DIR, QEMU_TIMEOUT, RUN_BOCHS,
                      RUN_QEMU, Boot, make, need, qemu_code)

GUESTS = ["func", "hostile", "oob", "triple", "spin", "storm", "duo", "fpu"]

FUNCTIONAL = [
    "cpuid-hypervisor-bit", "cpuid-no-vmx", "cpuid-apic-id", "cpuid-signature",
    "cpuid-brand", "cpuid-no-svm", "cpuid-leaf6-hidden",
    "io-unassigned-reads-ones", "io-console-port", "uart-scratch", "uart-loopback",
    "mmio-mov64", "mmio-mov32", "mmio-mov16", "mmio-mov8", "mmio-store-imm",
    "mmio-movzx8", "mmio-movsx8", "mmio-movzx16", "mmio-movsx16",
    "mmio-high-byte", "mmio-rex-regs-zero-extend", "mmio-mov16-merge",
    "mmio-moffs-load", "mmio-moffs-store",
    "hlt-woken-by-timer",
    "msr-efer-read", "msr-lstar-roundtrip", "msr-lstar-noncanonical-gp",
    "msr-pat-valid", "msr-pat-reserved-type-gp", "msr-debugctl-denied",
    "msr-feature-control-denied", "msr-vmx-basic-denied",
    "dr6-reset-value", "dr7-reset-value", "dr0-roundtrip", "dr7-reserved-bits-gp",
    "vmcall-ud", "vmxoff-ud", "ud2-in-guest",
    "sse-state-kept-across-exits", "avx-state-kept-across-exits", "xsetbv-invalid-gp",
]
HOSTILE = [
    "flush-cmd", "spec-ctrl", "pred-cmd", "feature-control", "efer-svme",
    "misc-enable", "apic-base-move", "vm-cr", "microcode-update", "tsc-write",
    "vmlaunch-ud", "vmresume-ud", "vmrun-ud", "stray-io-survived",
]


def run(cmd, log, timeout):
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout + 60)
    with open(log, "rb") as f:
        b = Boot(p.returncode, f.read(), log, p.stderr.decode(errors="replace"))
    if p.returncode == 124:
        pytest.fail("no end in time; console ends with:\n" + "\n".join(b.lines[-20:]))
    return b


@pytest.fixture(scope="module", params=["svm-qemu", "vmx-bochs"])
def vmtest(request):
    """One boot per back end, shared by every test of this module."""
    os.makedirs(LOG_DIR, exist_ok=True)
    log = os.path.join(LOG_DIR, f"vmtest-{request.param}.log")
    if request.param == "svm-qemu":
        need("qemu-system-x86_64", "dtc")
        make("bastion.elf", "test/vmtest.dtb", *(f"guests/{g}.elf" for g in GUESTS))
        cmd = [RUN_QEMU, "--kernel", os.path.join(BUILD, "bastion.elf"),
               "--module", os.path.join(BUILD, "test", "vmtest.dtb"), "bootcfg"]
        for g in GUESTS:
            cmd += ["--module", os.path.join(BUILD, "guests", f"{g}.elf"), f"guest-{g}"]
        cmd += ["--append", "test.exit test.timeout=8 test.heartbeat", "--smp", "2",
                "--timeout", str(QEMU_TIMEOUT), "--log", log, "--quiet"]
        b = run(cmd, log, QEMU_TIMEOUT)
        b.backend = "svm"
        b.clean_status = qemu_code(0)
    else:
        need("bochs", "grub-mkrescue", "/usr/share/bochs/BIOS-bochs-latest")
        make("test/vmtest.iso")
        cmd = [RUN_BOCHS, "--smp", "2", "--timeout", str(BOCHS_TIMEOUT), "--iso",
               os.path.join(BUILD, "test", "vmtest.iso"), "--log", log, "--quiet"]
        b = run(cmd, log, BOCHS_TIMEOUT)
        b.backend = "vmx"
        b.clean_status = 0
    return b


def lines(b, vm):
    return [l.split("] ", 1)[1] for l in b.console().lines if l.startswith(f"[{vm}] ")]


def stopped(b, vm):
    for l in b.console().lines:
        m = re.match(rf"vm {re.escape(vm)}: stopped: (.*)$", l)
        if m:
            return m.group(1)
    return None


def test_host_reports_back_end(vmtest):
    text = "\n".join(vmtest.console().lines)
    if vmtest.backend == "vmx":
        assert re.search(r"vmx: VT-x with EPT, VPID, unrestricted guest, preemption timer", text)
        assert re.search(r"vmx: side channels: L1D flush on entry \S+", text)
    else:
        assert re.search(r"svm: AMD-V with nested paging, \d+ ASIDs", text)


def test_functional_suite(vmtest):
    out = lines(vmtest, "func")
    for name in FUNCTIONAL:
        assert f"PASS {name}" in out, f"func: no PASS {name}; got {out}"
    assert not [l for l in out if l.startswith("FAIL")]
    assert "hello from the 16550" in out      # the UART's output, captured
    assert stopped(vmtest, "func") == "exited with status 0"


def test_hostile_faults_are_architectural(vmtest):
    out = lines(vmtest, "hostile")
    for name in HOSTILE:
        assert f"PASS {name}" in out, f"hostile: no PASS {name}; got {out}"
    assert stopped(vmtest, "hostile") == "exited with status 0"


def test_memory_outside_ram_stops_the_vm(vmtest):
    assert stopped(vmtest, "oob") == \
        "read of guest-physical 0x40000000: no RAM or device there"
    assert "FAIL oob: the read returned" not in lines(vmtest, "oob")


def test_triple_fault_stops_the_vm(vmtest):
    assert re.fullmatch(r"triple fault at rip 0x[0-9a-f]+", stopped(vmtest, "triple") or "")


def test_spinning_guest_is_preempted(vmtest):
    """The guest that never exits on its own is still running when the
    test ends (stopped by the host), and the host's heartbeat, from a task
    on the same two CPUs, went on all along."""
    con = vmtest.console().lines
    assert stopped(vmtest, "spin") == "stopped by the operator"
    start = con.index("[spin] spinning")
    beats = [l for l in con[start:] if l.startswith("monitor: heartbeat")]
    assert len(beats) >= 5, f"only {len(beats)} heartbeats after the spin began"


def test_interrupt_storm(vmtest):
    assert "PASS storm-all-delivered" in lines(vmtest, "storm")
    assert stopped(vmtest, "storm") == "exited with status 0"


def test_two_vcpus(vmtest):
    out = lines(vmtest, "duo")
    assert "PASS smp-both-vcpus-ran" in out and "PASS smp-apic-ids" in out
    assert stopped(vmtest, "duo") == "exited with status 0"


def test_fpu_state_never_mixes_between_vms(vmtest):
    for vm in ("fpu-a", "fpu-b"):
        assert "PASS fpu-state-kept-across-preemption" in lines(vmtest, vm), vm
        assert stopped(vmtest, vm) == "exited with status 0"


def test_exit_statistics_printed(vmtest):
    text = "\n".join(vmtest.console().lines)
    assert re.search(r"vm storm:\s+exits io\s+\d{4,}\s+\d+ us handling", text)
    # The spinner leaves the guest only because the host takes the CPU
    # back: the preemption timer on VT-x, the physical-interrupt intercept
    # on AMD-V.
    kind = "preempt" if vmtest.backend == "vmx" else "extint"
    assert re.search(rf"vm spin:\s+exits {kind}\s+\d+", text)
    assert re.search(r"vm func:\s+exits mmio\s+\d+", text)


def test_destroy_returns_all_memory_and_host_stops_cleanly(vmtest):
    text = "\n".join(vmtest.console().lines)
    m = re.search(r"vmm: after destroying every VM, (\d+) pages free \((\d+) before any VM\)", text)
    assert m, "no memory accounting line"
    assert m.group(1) == m.group(2), m.group(0)
    assert "bastion: shutdown status=0" in text
    assert vmtest.status == vmtest.clean_status
