"""What `make run` boots (boot/config/default.dts): two demo containers on
the switch, demo-b fetching demo-a's page every 5 s, and the serial console
managing them while they run (QEMU, AMD-V):

  fw.get shows demo-a's policy and its hit counts; fw.set replaces it while
  traffic flows (an empty ingress list cuts demo-b off; putting the rule
  back lets it in again); a bad rule is refused and changes nothing;
  switch.ports counts the drops; vm.console shows a VM's console tail;
  vm.shutdown ends a container gracefully (its processes get SIGTERM).
"""
import json
import os
import queue
import subprocess
import threading
import time

import pytest

from conftest import BUILD, make, need

RULE = "allow proto tcp from label:demo-b port 80"
# How fw.get writes it back (fw_rule_format: every field spelled out).
RULE_CANON = "allow proto tcp from label:demo-b to any sport 0-65535 dport 80-80"


@pytest.fixture(scope="module")
def demo():
    need("qemu-system-x86_64", "dtc")
    make("bastion.elf", "bootcfg.dtb", "guest-kernel/vmlinuz", "images/demo-a.cpio",
         "images/demo-b.cpio")
    mods = [os.path.join(BUILD, "bootcfg.dtb") + " bootcfg",
            os.path.join(BUILD, "guest-kernel", "vmlinuz") + " vmlinuz",
            os.path.join(BUILD, "images", "demo-a.cpio") + " demo-a",
            os.path.join(BUILD, "images", "demo-b.cpio") + " demo-b"]
    cmd = ["qemu-system-x86_64", "-machine", "q35", "-cpu", "max", "-smp", "2",
           "-m", "1024M", "-display", "none", "-no-reboot", "-serial", "stdio",
           "-monitor", "none", "-kernel", os.path.join(BUILD, "bastion.elf"),
           "-initrd", ",".join(mods), "-append", ""]
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    lines = queue.Queue()

    def reader():
        for raw in p.stdout:
            lines.put(raw.decode(errors="replace").rstrip("\r\n"))
        lines.put(None)

    threading.Thread(target=reader, daemon=True).start()

    class Session:
        seen = []
        next_id = 1

        def wait_for(self, pred, timeout=240):
            end = time.monotonic() + timeout
            while time.monotonic() < end:
                try:
                    l = lines.get(timeout=0.5)
                except queue.Empty:
                    continue
                if l is None:
                    break
                self.seen.append(l)
                if pred(l):
                    return l
            pytest.fail("console: no such line; last lines:\n" + "\n".join(self.seen[-30:]))

        def call(self, method, **params):
            rid = self.next_id
            self.next_id += 1
            req = {"jsonrpc": "2.0", "id": rid, "method": method}
            if params:
                req["params"] = params
            p.stdin.write((json.dumps(req) + "\r").encode())
            p.stdin.flush()
            line = self.wait_for(lambda l: l.startswith('{"jsonrpc":"2.0"') and
                                 f'"id":{rid}' in l, timeout=60)
            return json.loads(line)

    s = Session()
    try:
        s.wait_for(lambda l: l.startswith("console: JSON-RPC on the serial line"), 60)
        yield s
    finally:
        p.kill()
        p.wait()


def fetched(l):
    return l.startswith("[demo-b] demo-b: hello from demo-a")


def refused(l):
    return l.startswith("[demo-b] demo-b: no answer from demo-a")


def test_policy_is_replaced_while_traffic_flows(demo):
    demo.wait_for(fetched)
    pol = demo.call("fw.get", name="demo-a")["result"]
    assert [r["rule"] for r in pol["ingress"]] == [RULE_CANON]
    assert pol["ingress"][0]["hits"] >= 1
    assert pol["egress"] == []

    # No ingress rule: demo-a denies everything, demo-b is cut off.
    assert demo.call("fw.set", name="demo-a", ingress=[])["result"] is True
    demo.wait_for(refused, 60)
    assert demo.call("fw.get", name="demo-a")["result"]["ingress"] == []

    # A bad rule is refused whole, and nothing changes.
    err = demo.call("fw.set", name="demo-a", ingress=[RULE, "allow proto tpc"])["error"]
    assert "ingress[1]" in err["message"]
    assert demo.call("fw.get", name="demo-a")["result"]["ingress"] == []

    # The rule back: demo-b gets its page again.
    assert demo.call("fw.set", name="demo-a", ingress=[RULE])["result"] is True
    demo.wait_for(fetched, 60)


def test_switch_counts_what_the_policy_dropped(demo):
    ports = {p["name"]: p for p in demo.call("switch.ports")["result"]}
    assert {"demo-a", "demo-b"} <= set(ports)      # and "uplink": QEMU's NIC
    assert ports["demo-a"]["drops"].get("policy-ingress", 0) >= 1, ports["demo-a"]
    assert ports["demo-b"]["rx_frames"] > 0 and ports["demo-a"]["tx_frames"] > 0


def test_unknown_port_and_vm_are_errors(demo):
    assert demo.call("fw.get", name="nosuch")["error"]["code"] == -32003
    assert demo.call("fw.set", name="nosuch", ingress=[])["error"]["code"] == -32003
    assert demo.call("vm.console", name="nosuch")["error"]["code"] == -32003


def test_console_tail(demo):
    tail = demo.call("vm.console", name="demo-a", bytes=4000)["result"]
    assert "demo-a: serving HTTP on port 80" in tail


def test_graceful_shutdown(demo):
    assert demo.call("vm.shutdown", name="demo-b", grace_ms=20000)["result"] is True
    demo.wait_for(lambda l: l.startswith("vm demo-b: stopped: "), 60)
    vms = {v["name"]: v for v in demo.call("vm.list")["result"]}
    # Its shell got SIGTERM: 128 + 15, through the init, not a forced stop.
    assert vms["demo-b"]["state"] == "exited" and vms["demo-b"]["exit_status"] == 143, vms
    assert vms["demo-a"]["state"] == "running"
    assert demo.call("vm.destroy", name="demo-a")["error"]["code"] == -32004
    assert demo.call("vm.destroy", name="demo-b")["result"] is True
    assert "demo-b" not in {v["name"] for v in demo.call("vm.list")["result"]}
