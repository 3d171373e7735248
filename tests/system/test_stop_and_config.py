"""Clean stop, and the boot config's absent and malformed cases (QEMU -kernel)."""
from conftest import expect_boot_to_ready, qemu_code


def test_clean_stop(kernel, boot):
    """test.exit alone: ready, then status 0 (QEMU exit code 1), no fault."""
    elf, dtb = kernel
    b = boot("qemu", "--kernel", elf, "--module", dtb, "bootcfg",
             "--append", "test.exit")
    con = b.console()
    expect_boot_to_ready(con, "multiboot1")
    con.expect(r"^bastion: shutdown status=0$", "bastion: shutdown status=0")
    assert not any(l.startswith("EXCEPTION:") for l in b.lines), "unexpected exception"
    assert b.status == qemu_code(0), f"QEMU exit code {b.status}"


def test_missing_config_uses_defaults(kernel, boot):
    """No bootcfg module: the defaults, and the host still comes up."""
    elf, _ = kernel
    b = boot("qemu", "--kernel", elf, "--append", "test.exit")
    con = b.console()
    cfg = expect_boot_to_ready(con, "multiboot1")
    assert "config: no boot config module; using defaults" in cfg, \
        f"config lines: {cfg}"
    con.expect(r"^bastion: shutdown status=0$", "bastion: shutdown status=0")
    assert b.status == qemu_code(0), f"QEMU exit code {b.status}"


def test_malformed_config_uses_defaults(kernel, garbage_cfg, boot):
    """A bootcfg module that is no devicetree: an error line, the defaults,
    and the host still comes up."""
    elf, _ = kernel
    b = boot("qemu", "--kernel", elf, "--module", garbage_cfg, "bootcfg",
             "--append", "test.exit")
    con = b.console()
    cfg = expect_boot_to_ready(con, "multiboot1")
    assert cfg, "no config: line"
    assert not any("no boot config module" in l for l in cfg), \
        f"the module was not found: {cfg}"
    assert any("using defaults" in l for l in cfg), \
        f"no 'config: ... using defaults' line: {cfg}"
    con.expect(r"^bastion: shutdown status=0$", "bastion: shutdown status=0")
    assert b.status == qemu_code(0), f"QEMU exit code {b.status}"
