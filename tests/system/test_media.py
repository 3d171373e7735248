"""The boot media as built by `make iso pxe` (no boot: contents only)."""
import os
import subprocess

from conftest import BUILD, make, need


def test_iso_is_hybrid_bios_and_uefi(kernel):
    """bastion.iso: El Torito for BIOS and UEFI, an MBR boot signature for
    USB sticks, and GRUB's menu booting the kernel with its config."""
    need("grub-mkrescue", "xorriso", "mformat")
    iso = os.path.join(BUILD, "bastion.iso")
    make("bastion.iso")
    with open(iso, "rb") as f:
        mbr = f.read(512)
    assert mbr[510:512] == b"\x55\xaa", "no MBR boot signature (not USB-bootable)"
    p = subprocess.run(["xorriso", "-indev", iso, "-report_el_torito", "plain"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert p.returncode == 0, p.stdout
    plats = [l.split(":", 1)[1].split()[1] for l in p.stdout.splitlines()
             if l.startswith("El Torito boot img :")]
    assert "BIOS" in plats and "UEFI" in plats, p.stdout

    with open(iso + ".root/boot/grub/grub.cfg") as f:
        cfg = f.read()
    for want in ("serial --unit=0 --speed=115200",
                 "terminal_input serial console", "terminal_output serial console",
                 "multiboot2 /boot/bastion.elf", "module2 /boot/bootcfg.dtb bootcfg"):
        assert want in cfg, f"grub.cfg lacks {want!r}"
    for f in ("bastion.elf", "bootcfg.dtb"):
        assert os.path.isfile(os.path.join(iso + ".root", "boot", f))


def test_pxe_folder(kernel):
    """$(BUILD)/pxe: kernel, config, the default config's guest kernel and
    demo images, an iPXE script loading them all, and a README."""
    d = os.path.join(BUILD, "pxe")
    make("pxe/boot.ipxe")
    for f in ("bastion.elf", "bootcfg.dtb", "boot.ipxe", "README", "vmlinuz",
              "demo-a.cpio", "demo-b.cpio"):
        assert os.path.isfile(os.path.join(d, f)), f"{f} missing in {d}"
    with open(os.path.join(d, "boot.ipxe")) as f:
        lines = [l.strip() for l in f if l.strip() and not l.startswith("# ")]
    assert lines[0] == "#!ipxe"
    assert lines[1].startswith("kernel bastion.elf"), lines
    assert lines[2:] == ["module bootcfg.dtb bootcfg", "module vmlinuz vmlinuz",
                         "module demo-a.cpio demo-a", "module demo-b.cpio demo-b",
                         "boot"], lines
    with open(os.path.join(d, "bastion.elf"), "rb") as a, \
            open(os.path.join(BUILD, "bastion.elf"), "rb") as b:
        assert a.read() == b.read(), "pxe/bastion.elf is stale"
