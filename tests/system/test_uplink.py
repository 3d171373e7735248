"""The switch's uplink (issues 6 and 7): the host's NIC (virtio-net or
Intel e1000/e1000e, drivers/) is a port of the switch; a container on the
uplink network is reached from outside (QEMU user networking forwards a
port of this machine to the container's address), and its ingress policy
decides: port 80 allowed, anything else dropped.
"""
import os
import signal
import socket
import subprocess
import time

import pytest

from conftest import BUILD, LOG_DIR, RUN_QEMU, free_port, make, need

NICS = {"virtio-net": "virtio-net-pci", "e1000": "e1000"}


def http_get(port, timeout):
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as c:
        c.settimeout(timeout)
        c.sendall(b"GET / HTTP/1.0\r\n\r\n")
        data = b""
        while True:
            chunk = c.recv(4096)
            if not chunk:
                return data.decode(errors="replace")
            data += chunk


@pytest.mark.parametrize("nic", sorted(NICS))
def test_container_reached_through_the_uplink(nic):
    need("qemu-system-x86_64", "dtc")
    make("bastion.elf", "test/uplink.dtb", "guest-kernel/vmlinuz", "images/demo-a.cpio")
    os.makedirs(LOG_DIR, exist_ok=True)
    log = os.path.join(LOG_DIR, f"uplink-{nic}.log")
    web, other = free_port(), free_port()
    fwd = (f"user,id=n0,hostfwd=tcp:127.0.0.1:{web}-10.0.2.20:80,"
           f"hostfwd=tcp:127.0.0.1:{other}-10.0.2.20:22")
    cmd = [RUN_QEMU, "--kernel", os.path.join(BUILD, "bastion.elf"), "--mem", "1024",
           "--module", os.path.join(BUILD, "test", "uplink.dtb"), "bootcfg",
           "--module", os.path.join(BUILD, "guest-kernel", "vmlinuz"), "vmlinuz",
           "--module", os.path.join(BUILD, "images", "demo-a.cpio"), "demo-a",
           "--append", "", "--timeout", "300", "--log", log, "--quiet", "--",
           "-netdev", fwd, "-device", f"{NICS[nic]},netdev=n0"]
    # Its own process group: the runner's QEMU child goes with it.
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        end, text = time.monotonic() + 240, ""
        while time.monotonic() < end:
            if os.path.exists(log):
                with open(log, errors="replace") as f:
                    text = f.read()
            if "demo-a: serving HTTP on port 80" in text:
                break
            time.sleep(1)
        else:
            pytest.fail("the container did not come up; console:\n" + text[-3000:])
        assert f"uplink: {nic} 52:54:00:12:34:56 on the switch, link up" in text
        page = None
        for _ in range(20):
            try:
                page = http_get(web, 5)
                if "hello from demo-a (web)" in page:
                    break
            except OSError:
                time.sleep(1)
        assert page and "hello from demo-a (web)" in page, page
        # Port 22 is not in the container's ingress policy: the SYN is
        # dropped at its port, so the connection never completes (slirp
        # accepts on this side, then the far side stays silent).
        try:
            got = http_get(other, 4)
        except OSError:
            got = ""
        assert got == "", got
    finally:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
