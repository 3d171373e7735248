"""Bastion boots on every path it supports and stops cleanly on a fault.

Each test is one boot with `test.exit test.fault=ud`: the kernel comes up to
"bastion: ready", takes a #UD on purpose, reports it, prints
"bastion: shutdown status=2" and ends the emulator (QEMU: isa-debug-exit,
exit code 5; Bochs: port 0x8900, run-bochs.py exits with the status).
"""
from conftest import (FAULT_CMDLINE, expect_boot_to_ready, expect_ud_report,
                      need, qemu_code)

OVMF = "/usr/share/ovmf/OVMF.fd"


def test_qemu_kernel_multiboot1_smp2(kernel, boot):
    """QEMU -kernel: the Multiboot 1 header (a.out kludge), two CPUs."""
    elf, dtb = kernel
    b = boot("qemu", "--kernel", elf, "--module", dtb, "bootcfg",
             "--append", FAULT_CMDLINE)
    con = b.console()
    expect_boot_to_ready(con, "multiboot1")
    expect_ud_report(con)
    assert b.status == qemu_code(2), f"QEMU exit code {b.status}"


def test_iso_seabios_grub_multiboot2(test_iso, boot):
    """The hybrid ISO as a CD under SeaBIOS: GRUB i386-pc, Multiboot 2."""
    b = boot("qemu", "--iso", test_iso)
    con = b.console()
    expect_boot_to_ready(con, "multiboot2")
    expect_ud_report(con)
    assert b.status == qemu_code(2), f"QEMU exit code {b.status}"


def test_iso_ovmf_grub_efi_multiboot2(test_iso, boot):
    """The hybrid ISO as a CD under OVMF: GRUB x86_64-efi, Multiboot 2."""
    need(OVMF)
    b = boot("qemu", "--iso", test_iso, "--uefi")
    con = b.console()
    expect_boot_to_ready(con, "multiboot2")
    expect_ud_report(con)
    assert b.status == qemu_code(2), f"QEMU exit code {b.status}"


def test_iso_bochs_skylake_x(test_iso, boot):
    """The ISO under Bochs (corei7_skylake_x, VT-x with EPT). The model has
    no UMIP, so only NX, SMEP, SMAP and WP must be on."""
    b = boot("bochs", "--iso", test_iso)
    con = b.console()
    expect_boot_to_ready(con, "multiboot2", must_be_on=("NX", "SMEP", "SMAP", "WP"))
    expect_ud_report(con)
    assert b.status == 2, f"run-bochs.py exit status {b.status}"


def test_pxe_ipxe_multiboot1(test_pxe, boot):
    """SeaBIOS runs the e1000's iPXE ROM, which fetches boot.ipxe over QEMU's
    TFTP, then the kernel and boot config: Multiboot 1."""
    need("/usr/lib/ipxe/qemu/efi-e1000.rom")
    b = boot("qemu", "--pxe", test_pxe)
    con = b.console()
    expect_boot_to_ready(con, "multiboot1")
    expect_ud_report(con)
    assert b.status == qemu_code(2), f"QEMU exit code {b.status}"


def test_usb_stick_seabios(test_iso, boot):
    """The same ISO written raw to a USB stick (xHCI), SeaBIOS: GRUB from
    the hybrid MBR."""
    b = boot("qemu", "--usb", test_iso)
    con = b.console()
    expect_boot_to_ready(con, "multiboot2")
    expect_ud_report(con)
    assert b.status == qemu_code(2), f"QEMU exit code {b.status}"


def test_usb_stick_ovmf(test_iso, boot):
    """The ISO raw on a USB stick under OVMF: the EFI system partition."""
    need(OVMF)
    b = boot("qemu", "--usb", test_iso, "--uefi")
    con = b.console()
    expect_boot_to_ready(con, "multiboot2")
    expect_ud_report(con)
    assert b.status == qemu_code(2), f"QEMU exit code {b.status}"
