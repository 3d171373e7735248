"""Micro-segmentation end to end (issue 6): four containers on one switch
network under QEMU (AMD-V), each port with its policy from the boot config
(tests/guests/firewall.dts):

  web   egress: tcp to label:db port 5432;  ingress: tcp from label:web 8080
  db    ingress: tcp from label:web port 5432;  egress: any tcp
  other egress: anything; ingress: nothing
  spoof egress: anything; sends from 10.1.0.66, not its own 10.1.0.6

web reaches db and gets db's reply (stateful: the reply needs no rule);
other cannot reach db; db cannot open a connection back to web; spoof's
frames are dropped. The switch's per-port counters, printed at the end,
say which policy or check dropped what.
"""
import os
import re
import subprocess

import pytest

from conftest import BUILD, LOG_DIR, RUN_QEMU, Boot, make, need, qemu_code

IMAGES = ["web", "db", "other", "spoof"]
TIMEOUT = 420


@pytest.fixture(scope="module")
def fwtest():
    need("qemu-system-x86_64", "dtc")
    make("bastion.elf", "test/firewall.dtb", "guest-kernel/vmlinuz",
         *(f"images/{i}.cpio" for i in IMAGES))
    os.makedirs(LOG_DIR, exist_ok=True)
    log = os.path.join(LOG_DIR, "firewall-svm-qemu.log")
    cmd = [RUN_QEMU, "--kernel", os.path.join(BUILD, "bastion.elf"), "--mem", "1536",
           "--module", os.path.join(BUILD, "test", "firewall.dtb"), "bootcfg",
           "--module", os.path.join(BUILD, "guest-kernel", "vmlinuz"), "vmlinuz"]
    for i in IMAGES:
        cmd += ["--module", os.path.join(BUILD, "images", f"{i}.cpio"), i]
    # --reset-dump: this boot once ended in a host triple fault that left
    # no trace (about 2 in 22 runs, last session; not seen in 63 since);
    # if it comes back, QEMU's reset dump in the .cpu log holds every
    # CPU's state at the fault (RIP, TR, GS, CR2).
    cmd += ["--append", "test.exit test.timeout=150", "--smp", "2",
            "--timeout", str(TIMEOUT), "--log", log, "--quiet", "--reset-dump"]
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=TIMEOUT + 60)
    with open(log, "rb") as f:
        b = Boot(p.returncode, f.read(), log, p.stderr.decode(errors="replace"))
    if p.returncode == 124:
        pytest.fail("no end in time; console ends with:\n" + "\n".join(b.lines[-30:]))
    if p.returncode == 125:
        pytest.fail(f"host triple fault: CPU state at the fault in {log}.cpu; console "
                    "ends with:\n" + "\n".join(b.lines[-30:]))
    return b


def lines(b, vm):
    return [l.split("] ", 1)[1] for l in b.lines if l.startswith(f"[{vm}] ")]


def port(b, name):
    """(rx, tx, {drop reason: count}) from 'switch: port NAME: ...'."""
    for l in b.lines:
        m = re.match(rf"switch: port {name}: rx (\d+) frames, tx (\d+) frames, drops: (.*)$", l)
        if m:
            drops = dict((k, int(v)) for k, v in re.findall(r"(\S+)=(\d+)", m.group(3)))
            return int(m.group(1)), int(m.group(2)), drops
    pytest.fail(f"no counters for port {name}")


def test_all_containers_ran_to_the_end(fwtest):
    assert fwtest.status == qemu_code(0), "\n".join(fwtest.lines[-20:])
    for vm in IMAGES:
        assert f"vm {vm}: stopped: exited with status 0" in fwtest.lines, vm


def test_policies_come_from_the_boot_config(fwtest):
    text = "\n".join(fwtest.lines)
    assert re.search(r"config: vm web: .*net app 10\.1\.0\.2/24, labels web, policy 1 in / 1 out", text)
    assert re.search(r"config: vm other: .*policy 0 in / 1 out", text)


def test_web_reaches_db_and_the_reply_flows(fwtest):
    assert "web got pong" in lines(fwtest, "web")     # db's reply came back
    assert "db got ping" in lines(fwtest, "db")


def test_other_cannot_reach_db(fwtest):
    assert "other to db blocked" in lines(fwtest, "other")
    assert "other to db OPEN" not in lines(fwtest, "other")
    _, _, drops = port(fwtest, "db")
    assert drops.get("policy-ingress", 0) >= 1, drops   # db's ingress said no


def test_db_cannot_open_a_connection_back_to_web(fwtest):
    assert "db to web blocked" in lines(fwtest, "db")
    _, _, drops = port(fwtest, "web")
    assert drops.get("policy-ingress", 0) >= 1, drops


def test_spoofed_frames_are_dropped_and_counted(fwtest):
    out = lines(fwtest, "spoof")
    assert "3 packets transmitted, 0 packets received, 100% packet loss" in out
    assert "Received 0 response(s) (0 request(s), 0 broadcast(s))" in out
    rx, _, drops = port(fwtest, "spoof")
    assert drops.get("spoof-arp", 0) + drops.get("spoof-ip", 0) >= 3, drops
    assert rx >= 3
