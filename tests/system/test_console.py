"""The serial console speaks the RPC protocol (kernel/RPC.md): under QEMU
(AMD-V) with two VMs, requests typed on COM1 get JSON-RPC answers on the same
line: host.info, vm.list, vm.stats (the per-VM exit statistics), vm.stop
(audited), and a clear error for bad input, after which the console still
answers.
"""
import json
import os
import queue
import subprocess
import threading
import time

import pytest

from conftest import BUILD, make, need

REQUESTS = [
    {"jsonrpc": "2.0", "id": 1, "method": "host.info"},
    {"jsonrpc": "2.0", "id": 2, "method": "vm.list"},
    {"jsonrpc": "2.0", "id": 3, "method": "vm.stats", "params": {"name": "func"}},
    {"jsonrpc": "2.0", "id": 4, "method": "vm.stop", "params": {"name": "spin"}},
    {"jsonrpc": "2.0", "id": 5, "method": "vm.stats", "params": {"name": "nosuch"}},
]


@pytest.fixture(scope="module")
def session():
    need("qemu-system-x86_64", "dtc")
    make("bastion.elf", "test/vmtest.dtb", "guests/func.elf", "guests/spin.elf")
    cmd = ["qemu-system-x86_64", "-machine", "q35", "-cpu", "max", "-smp", "2",
           "-m", "256M", "-display", "none", "-no-reboot", "-serial", "stdio",
           "-kernel", os.path.join(BUILD, "bastion.elf"), "-initrd",
           ",".join([os.path.join(BUILD, "test", "vmtest.dtb") + " bootcfg",
                     os.path.join(BUILD, "guests", "func.elf") + " guest-func",
                     os.path.join(BUILD, "guests", "spin.elf") + " guest-spin"]),
           "-append", ""]
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    lines = queue.Queue()

    def reader():
        for raw in p.stdout:
            lines.put(raw.decode(errors="replace").rstrip("\r\n"))
        lines.put(None)

    threading.Thread(target=reader, daemon=True).start()
    seen = []

    def wait_for(pred, timeout=30):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                l = lines.get(timeout=0.5)
            except queue.Empty:
                continue
            if l is None:
                break
            seen.append(l)
            if pred(l):
                return l
        pytest.fail("console: no such line; last lines:\n" + "\n".join(seen[-20:]))

    try:
        wait_for(lambda l: l.startswith("console: JSON-RPC on the serial line"))
        wait_for(lambda l: "functional suite done" in l)
        answers = {}
        for req in REQUESTS:
            # A terminal's Enter sends CR; the console takes it as LF.
            p.stdin.write((json.dumps(req) + "\r").encode())
            p.stdin.flush()
            line = wait_for(lambda l: l.startswith('{"jsonrpc":"2.0"') and
                            f'"id":{req["id"]}' in l)
            answers[req["id"]] = json.loads(line)
        p.stdin.write(b'{"jsonrpc":"2.0","id":6,"method":\n')     # malformed
        p.stdin.write(b'{"jsonrpc":"2.0","id":7,"method":"rpc.ping"}\n')
        p.stdin.flush()
        answers["bad"] = json.loads(wait_for(lambda l: '"code":-32700' in l))
        answers[7] = json.loads(wait_for(lambda l: '"id":7' in l))
        if not any(l.startswith("vm spin: stopped") for l in seen):
            wait_for(lambda l: l.startswith("vm spin: stopped"))
        answers["log"] = seen[:]
        yield answers
    finally:
        p.kill()
        p.wait()


def test_host_info(session):
    r = session[1]["result"]
    assert r["vmm"] == "svm" and r["cpus"] == 2 and r["version"]
    assert "nx" in r["protections"] and "w^x" in r["protections"]


def test_vm_list(session):
    vms = {v["name"]: v for v in session[2]["result"]}
    assert set(vms) == {"func", "spin"}
    assert vms["func"]["state"] == "exited" and vms["func"]["exit_status"] == 0
    assert vms["spin"]["state"] == "running" and vms["spin"]["vcpus"] == 1


def test_vm_stats_are_the_exit_statistics(session):
    r = session[3]["result"]
    assert r["name"] == "func"
    assert r["exits"]["cpuid"]["count"] >= 300
    assert r["exits"]["mmio"]["count"] >= 30
    assert all(set(v) == {"count", "us"} for v in r["exits"].values())


def test_vm_stop_is_audited(session):
    assert session[4]["result"] is True
    assert any(l.startswith("audit: serial-console (admin) vm.stop -> ok")
               for l in session["log"])
    assert any(l == "vm spin: stopped: stopped by the operator" for l in session["log"])


def test_errors_are_clear_and_the_console_carries_on(session):
    assert session[5]["error"]["code"] == -32003
    assert session["bad"]["error"]["code"] == -32700
    assert session[7]["result"] is not None
