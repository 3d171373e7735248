"""Remote management (issue 7): the RPC console over mutual TLS on the
management port, reached the way an operator reaches it, through the host's
NIC: QEMU user networking forwards a local port to 10.0.2.15:4443, where
the management port (lwIP on a switch port) listens. bastionctl and a raw
TLS client (Python's ssl) drive it.

One boot serves the tests of this file, in order (the last one reboots the
host). The certificates come from `bastionctl pki` at build time
(mk/guests.mk, $BUILD/test/pki).
"""
import base64
import hashlib
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import time

import pytest

from conftest import BUILD, LOG_DIR, RUN_QEMU, free_port, make, need

PKI = os.path.join(BUILD, "test", "pki")
CTL = os.path.join(BUILD, "host", "bastionctl")
IMAGES = os.path.join(BUILD, "images")


class Host:
    def __init__(self, proc, port, log):
        self.proc, self.port, self.log = proc, port, log

    def text(self):
        with open(self.log, errors="replace") as f:
            return f.read()

    def wait_for(self, what, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if os.path.exists(self.log) and re.search(what, self.text()):
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.5)
        pytest.fail(f"no /{what}/ on the console; its end:\n" + self.text()[-3000:])


def boot(dtb, name, modules=()):
    os.makedirs(LOG_DIR, exist_ok=True)
    log = os.path.join(LOG_DIR, f"{name}.log")
    if os.path.exists(log):
        os.unlink(log)
    port = free_port()
    cmd = [RUN_QEMU, "--kernel", os.path.join(BUILD, "bastion.elf"), "--mem", "1024",
           "--module", os.path.join(BUILD, "test", dtb), "bootcfg"]
    for path, mod in modules:
        cmd += ["--module", path, mod]
    cmd += ["--append", "", "--timeout", "900", "--log", log, "--quiet", "--",
            "-netdev", f"user,id=n0,hostfwd=tcp:127.0.0.1:{port}-10.0.2.15:4443",
            "-device", "virtio-net-pci,netdev=n0"]
    # Its own process group: the runner's QEMU child goes with it.
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    return Host(p, port, log)


def stop(h):
    if h.proc.poll() is None:
        os.killpg(h.proc.pid, signal.SIGTERM)
        try:
            h.proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(h.proc.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def host():
    need("qemu-system-x86_64", "dtc")
    make("bastion.elf", "test/remote.dtb", "host/bastionctl", "guest-kernel/vmlinuz",
         "images/demo-a.cpio", "images/demo-b.cpio", "images/hello.cpio",
         "images/exit3.cpio", "images/mgmtprobe.cpio", "images/chatty.cpio")
    h = boot("remote.dtb", "remote",
             [(os.path.join(BUILD, "guest-kernel", "vmlinuz"), "vmlinuz"),
              (os.path.join(IMAGES, "demo-a.cpio"), "demo-a")])
    try:
        h.wait_for(r"remote: JSON-RPC over mutual TLS on TCP port 4443", 180)
        h.wait_for(r"\[web\] demo-a: serving HTTP on port 80", 240)
        yield h
    finally:
        stop(h)


def ctl(h, *args, who="admin", timeout=180, extra=()):
    cmd = [CTL, "--host", f"127.0.0.1:{h.port}", "--timeout", "60",
           "--cert", os.path.join(PKI, who, "cert.pem"),
           "--key", os.path.join(PKI, who, "key.pem"),
           "--ca", os.path.join(PKI, "ca", "ca.pem"), *extra, *args]
    return subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=timeout)


class Session:
    """A raw TLS client: one JSON-RPC object a line."""

    def __init__(self, h, who="admin", verify=True):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        if verify:
            ctx.load_verify_locations(os.path.join(PKI, "ca", "ca.pem"))
        else:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        if who:
            ctx.load_cert_chain(os.path.join(PKI, who, "cert.pem"),
                                os.path.join(PKI, who, "key.pem"))
        raw = socket.create_connection(("127.0.0.1", h.port), timeout=60)
        self.s = ctx.wrap_socket(raw, server_hostname="localhost")
        self.buf, self.next_id = b"", 1

    def send(self, data):
        self.s.sendall(data)

    def line(self):
        while b"\n" not in self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                raise ConnectionError("closed by the host")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def call(self, method, params=None):
        req = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        if params is not None:
            req["params"] = params
        self.next_id += 1
        self.send(json.dumps(req).encode() + b"\n")
        return self.line()

    def close(self):
        self.s.close()


def test_host_info(host):
    r = ctl(host, "host", "info", "--json")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["vmm"] == "svm" and info["cpus"] == 2
    assert "nx" in info["protections"] and "w^x" in info["protections"]
    assert info["vms"] == {"total": 1, "running": 1}       # the web VM
    assert info["exits"]["io"] > 0 and info["remote_sessions"] == 1
    r = ctl(host, "host", "info")
    assert re.search(r"VMS +1, 1 running", r.stdout) and "EXITS" in r.stdout
    # The session was opened with the client certificate's identity.
    host.wait_for(r"remote: 10\.0\.2\.2:\d+ session of CN=alice, O=Bastion, OU=admin \(admin\)", 10)


def test_bad_clients_are_refused_while_an_admin_carries_on(host):
    admin = Session(host)
    try:
        assert admin.call("rpc.ping")["result"] is not None
        # No client certificate: the handshake fails; nothing is served.
        with pytest.raises((ssl.SSLError, ConnectionError, OSError)):
            s = Session(host, who=None)
            s.call("host.info")
        # A certificate from another CA: refused (bastionctl exit 3).
        r = ctl(host, "vm", "ls", who="other")
        assert r.returncode == 3, (r.returncode, r.stderr)
        assert "rejected our certificate" in r.stderr
        # The right CA, but expired: refused too (the host checks dates
        # against its clock).
        r = ctl(host, "vm", "ls", who="expired")
        assert r.returncode == 3, (r.returncode, r.stderr)
        # A read-only certificate may look but not touch.
        r = ctl(host, "vm", "ls", who="ro")
        assert r.returncode == 0 and "web" in r.stdout, r.stderr
        r = ctl(host, "vm", "rm", "web", who="ro")
        assert r.returncode == 1 and "-32001" in r.stderr, r.stderr
        r = ctl(host, "raw", "host.reboot", who="ro")
        assert r.returncode == 1 and "-32001" in r.stderr, r.stderr
        # Malformed and oversized requests get errors; the session goes on.
        admin.send(b"this is not json\n")
        assert admin.line()["error"]["code"] == -32700
        admin.send(b'{"jsonrpc":"2.0","id":7,"method":"vm.destroy","params":{"name":7}}\n')
        assert admin.line()["error"]["code"] == -32602
        admin.send(b"[" + b" " * 70000 + b"]\n")
        assert admin.line()["error"]["code"] == -32002
        assert admin.call("rpc.ping")["result"] is not None
        r = ctl(host, "vm", "ls")
        assert r.returncode == 0 and "running" in r.stdout
    finally:
        admin.close()
    text = host.text()
    assert "closed: TLS handshake failed" in text
    assert re.search(r"audit: CN=bob, O=Bastion, OU=read-only \(read-only\) vm\.destroy -> "
                     r"error: permission denied", text)
    # The web VM is untouched by all of that.
    r = ctl(host, "vm", "ls", "--json")
    web = [v for v in json.loads(r.stdout) if v["name"] == "web"][0]
    assert web["state"] == "running"


def test_upload_run_follow_destroy(host):
    for name in ("hello", "exit3"):
        r = ctl(host, "vm", "upload", name, os.path.join(IMAGES, f"{name}.cpio"))
        assert r.returncode == 0 and f"uploaded {name}" in r.stdout, r.stderr
    r = ctl(host, "image", "ls", "--json")
    listed = {i["name"]: i for i in json.loads(r.stdout)}
    with open(os.path.join(IMAGES, "hello.cpio"), "rb") as f:
        assert listed["hello"]["sha256"] == hashlib.sha256(f.read()).hexdigest()
    assert listed["hello"]["state"] == "ready"

    r = ctl(host, "vm", "run", "h1", "--image", "hello", "--memory", "128", "--cmdline", "quiet")
    assert r.returncode == 0, r.stderr
    r = ctl(host, "vm", "logs", "h1", "-f", timeout=300)
    assert r.returncode == 0, r.stderr
    assert "hello from a container" in r.stdout

    r = ctl(host, "vm", "run", "x3", "--image", "exit3", "--memory", "128", "--cmdline", "quiet")
    assert r.returncode == 0, r.stderr
    r = ctl(host, "vm", "logs", "x3", "-f", timeout=300)
    assert r.returncode == 3, (r.returncode, r.stderr)   # the container's own status

    for vm in ("h1", "x3"):
        assert ctl(host, "vm", "rm", vm).returncode == 0
    r = ctl(host, "vm", "ls", "--json")
    assert {v["name"] for v in json.loads(r.stdout)} == {"web"}
    assert ctl(host, "image", "rm", "exit3").returncode == 0
    r = ctl(host, "image", "ls", "--json")
    assert [i["name"] for i in json.loads(r.stdout)] == ["hello"]
    # A VM from an image that is not there: a clear error, nothing made.
    r = ctl(host, "vm", "run", "nope", "--image", "exit3")
    assert r.returncode == 1 and "no image or boot module named" in r.stderr
    assert "nope" not in ctl(host, "vm", "ls").stdout


def test_logs_follow_every_byte_once_or_says_what_was_lost(host):
    """vm logs -f reads the console by offset: a container printing 3000
    lines (30 KB, the host keeps the last 4 KiB) is followed in order,
    without a line twice, to its last line; whatever scrolled away between
    two polls is reported as lost, never silently skipped."""
    r = ctl(host, "vm", "upload", "chatty", os.path.join(IMAGES, "chatty.cpio"))
    assert r.returncode == 0, r.stderr
    r = ctl(host, "vm", "run", "chatty", "--image", "chatty", "--memory", "128",
            "--cmdline", "quiet")
    assert r.returncode == 0, r.stderr
    r = ctl(host, "vm", "logs", "chatty", "-f", timeout=300)
    assert r.returncode == 0, r.stderr
    nums = [int(l.split()[1]) for l in r.stdout.splitlines()
            if re.fullmatch(r"line \d+", l)]
    assert "chatty done" in r.stdout and nums and nums[-1] == 3000
    assert nums == sorted(set(nums)), "a line twice or out of order"
    lost = sum(int(n) for n in re.findall(r"(\d+) bytes of chatty's console were lost",
                                          r.stderr))
    missing = 3000 - len(nums)
    if missing:
        assert lost > 0, f"{missing} lines missing and no loss reported"
    # With an offset, the same bytes come back; past the end is an error.
    s = Session(host)
    try:
        a = s.call("vm.console", {"name": "chatty", "offset": 0, "bytes": 100})["result"]
        b = s.call("vm.console", {"name": "chatty", "offset": a["offset"], "bytes": 100})["result"]
        assert a["data"] == b["data"] and a["lost"] > 0 and a["next"] == a["offset"] + len(a["data"])
        e = s.call("vm.console", {"name": "chatty", "offset": a["end"] + 1})
        assert e["error"]["code"] == -32602
    finally:
        s.close()
    assert ctl(host, "vm", "rm", "chatty").returncode == 0
    assert ctl(host, "image", "rm", "chatty").returncode == 0


def test_policy_replaced_over_the_network_takes_effect(host, tmp_path):
    allow = tmp_path / "allow.json"
    allow.write_text('{"egress": ["allow proto tcp to label:demo-a port 80"]}')
    deny = tmp_path / "deny.json"
    deny.write_text('{"egress": []}')
    r = ctl(host, "vm", "upload", "demo-b", os.path.join(IMAGES, "demo-b.cpio"))
    assert r.returncode == 0, r.stderr
    r = ctl(host, "vm", "run", "client", "--image", "demo-b", "--memory", "128",
            "--cmdline", "quiet", "--network", "apps", "--ip", "10.2.0.3/24",
            "--label", "demo-b", "--policy", str(allow))
    assert r.returncode == 0, r.stderr

    def lines():
        out = ctl(host, "vm", "logs", "client").stdout
        return [l for l in out.splitlines() if l.startswith("demo-b: ")]

    def wait_line(text, after, timeout=120):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            got = lines()
            if any(text in l for l in got[after:]):
                return len(got)
            time.sleep(2)
        pytest.fail(f"no '{text}' from demo-b; it said: {lines()[-5:]}")

    n = wait_line("hello from demo-a (web)", 0, 240)
    # By group: every VM with the label demo-b (here only the client).
    r = ctl(host, "fw", "set-group", "demo-b", str(deny))
    assert r.returncode == 0 and r.stdout.strip() == "replaced on: client", r.stderr
    r = ctl(host, "fw", "set-group", "nobody-has-this", str(deny))
    assert r.returncode == 1 and "-32003" in r.stderr
    r = ctl(host, "fw", "get-group", "demo-b", "--json")
    group = json.loads(r.stdout)
    assert [p["name"] for p in group["ports"]] == ["client"] and group["ports"][0]["egress"] == []
    r = ctl(host, "fw", "get-group", "demo-b")
    assert r.stdout.startswith("== client ==") and "(default deny)" in r.stdout
    n = wait_line("no answer from demo-a", n)
    r = ctl(host, "fw", "set", "client", str(allow))
    assert r.returncode == 0, r.stderr
    wait_line("hello from demo-a (web)", n)
    r = ctl(host, "fw", "get", "client", "--json")
    assert json.loads(r.stdout)["egress"][0]["hits"] >= 1
    # A bad policy is refused whole and changes nothing.
    bad = tmp_path / "bad.json"
    bad.write_text('{"egress": ["allow proto tcp to label:demo-a port 80", "allow proto tpc"]}')
    r = ctl(host, "fw", "set", "client", str(bad))
    assert r.returncode == 1 and "egress[1]" in r.stderr
    r = ctl(host, "fw", "get", "client", "--json")
    assert len(json.loads(r.stdout)["egress"]) == 1
    assert ctl(host, "vm", "stop", "client", "--grace", "5").returncode == 0
    end = time.monotonic() + 60
    while "running" in ctl(host, "vm", "ls").stdout.split("client", 1)[1].split("\n")[0]:
        assert time.monotonic() < end, "client did not stop"
        time.sleep(1)
    assert ctl(host, "vm", "rm", "client").returncode == 0


def test_interrupted_and_bad_uploads_leave_nothing(host):
    data = os.urandom(40000)   # one chunk: its base64 fits a line
    s = Session(host)
    try:
        r = s.call("image.begin", {"name": "partial", "size": len(data) * 2,
                                   "sha256": hashlib.sha256(data * 2).hexdigest()})
        up = r["result"]["id"]
        r = s.call("image.chunk", {"id": up, "offset": 0,
                                   "data": base64.b64encode(data).decode()})
        assert r["result"]["received"] == len(data)
        # A chunk at the wrong offset changes nothing.
        r = s.call("image.chunk", {"id": up, "offset": 5, "data": "QUJD"})
        assert r["error"]["code"] == -32004
        r = s.call("image.commit", {"id": up})
        assert r["error"]["code"] == -32004          # bytes missing
        # Another session cannot touch this upload.
        other = Session(host)
        r = other.call("image.chunk", {"id": up, "offset": len(data), "data": "QUJD"})
        assert r["error"]["code"] == -32003
        listed = other.call("image.list")["result"]
        assert [i["state"] for i in listed if i["name"] == "partial"] == ["uploading"]
    finally:
        s.close()       # gone mid-upload
    end = time.monotonic() + 30
    while any(i["name"] == "partial" for i in other.call("image.list")["result"]):
        assert time.monotonic() < end, "the half upload stayed after its session ended"
        time.sleep(0.5)
    # A whole upload whose SHA-256 does not match is discarded.
    r = other.call("image.begin", {"name": "partial", "size": len(data),
                                   "sha256": "0" * 64})
    up = r["result"]["id"]
    r = other.call("image.chunk", {"id": up, "offset": 0, "data": base64.b64encode(data).decode()})
    assert r["result"]["received"] == len(data)
    r = other.call("image.commit", {"id": up})
    assert r["error"]["code"] == -32602 and "sha256 mismatch" in r["error"]["message"]
    assert not any(i["name"] == "partial" for i in other.call("image.list")["result"])
    # Bad base64 and data past the size are refused.
    r = other.call("image.begin", {"name": "tiny", "size": 3, "sha256": hashlib.sha256(b"ABC").hexdigest()})
    up = r["result"]["id"]
    assert other.call("image.chunk", {"id": up, "offset": 0, "data": "QU JD"})["error"]["code"] == -32602
    assert other.call("image.chunk", {"id": up, "offset": 0, "data": "QUJDRA=="})["error"]["code"] == -32602
    assert other.call("image.chunk", {"id": up, "offset": 0, "data": "QUJD"})["result"]["received"] == 3
    assert other.call("image.commit", {"id": up})["result"]["size"] == 3
    assert other.call("image.rm", {"name": "tiny"})["result"] is True
    other.close()


def test_management_port_firewall(host, tmp_path):
    """The management port is a switch port with a firewall: a container on
    the management network may ping it and reach the console's port, not
    anything else (the drop is counted on the port); containers on other
    networks do not reach it at all."""
    anything = tmp_path / "any.json"
    anything.write_text('{"egress": ["allow"]}')
    r = ctl(host, "vm", "upload", "mgmtprobe", os.path.join(IMAGES, "mgmtprobe.cpio"))
    assert r.returncode == 0, r.stderr

    def ports():
        return {p["name"]: p for p in json.loads(ctl(host, "switch", "ports", "--json").stdout)}

    before = ports()["mgmt"]["drops"].get("policy-ingress", 0)
    for vm, net, ip in (("probe", "mgmt", "10.0.2.30/24"), ("probe2", "apps", "10.2.0.30/24")):
        r = ctl(host, "vm", "run", vm, "--image", "mgmtprobe", "--memory", "128", "--cmdline",
                "quiet", "--network", net, "--ip", ip, "--policy", str(anything))
        assert r.returncode == 0, r.stderr
        r = ctl(host, "vm", "logs", vm, "-f", timeout=300)
        assert r.returncode == 0, r.stderr
        if net == "mgmt":
            assert "mgmt answers ping" in r.stdout, r.stdout[-2000:]
            assert "mgmt port 4443 open" in r.stdout
            assert "mgmt port 22 blocked" in r.stdout
        else:
            assert "mgmt ping lost" in r.stdout, r.stdout[-2000:]
            assert "mgmt port 4443 blocked" in r.stdout
        assert ctl(host, "vm", "rm", vm).returncode == 0
    # Port 22's SYNs died at the management port's ingress policy.
    assert ports()["mgmt"]["drops"].get("policy-ingress", 0) > before
    assert ctl(host, "image", "rm", "mgmtprobe").returncode == 0


def test_image_fetched_over_http(host, tmp_path):
    """image.fetch: the host downloads an image itself (here from a web
    server on this machine, 10.0.2.2 from inside QEMU's user network) and
    keeps it only if its SHA-256 matches; failures say why."""
    import functools
    import http.server
    import threading
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=IMAGES)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    base = f"http://10.0.2.2:{srv.server_address[1]}"
    with open(os.path.join(IMAGES, "hello.cpio"), "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    try:
        r = ctl(host, "image", "fetch", "fetched", f"{base}/hello.cpio", "--sha256", sha)
        assert r.returncode == 0 and "fetched fetched: " in r.stdout, r.stderr
        r = ctl(host, "vm", "run", "f1", "--image", "fetched", "--memory", "128",
                "--cmdline", "quiet")
        assert r.returncode == 0, r.stderr
        r = ctl(host, "vm", "logs", "f1", "-f", timeout=300)
        assert r.returncode == 0 and "hello from a container" in r.stdout, r.stderr
        assert ctl(host, "vm", "rm", "f1").returncode == 0
        for name, url, why in (
                ("bad-sha", f"{base}/hello.cpio", "sha256 mismatch"),
                ("missing", f"{base}/no-such-file", "HTTP status 404"),
                ("refused", "http://10.0.2.2:1/x", "cannot connect")):
            r = ctl(host, "image", "fetch", name, url, "--sha256", sha if name != "bad-sha" else "0" * 64)
            assert r.returncode == 1 and why in r.stderr, (name, r.stderr)
        listed = {i["name"]: i for i in json.loads(ctl(host, "image", "ls", "--json").stdout)}
        assert listed["fetched"]["state"] == "ready" and listed["fetched"]["sha256"] == sha
        assert listed["bad-sha"]["state"] == "failed"
        r = ctl(host, "image", "fetch", "x", "https://10.0.2.2/x", "--sha256", sha)
        assert r.returncode == 1 and "only http://" in r.stderr
        r = ctl(host, "image", "fetch", "x", "http://example.com/x", "--sha256", sha)
        assert r.returncode == 1 and "IPv4" in r.stderr
        for name in ("fetched", "bad-sha", "missing", "refused"):
            assert ctl(host, "image", "rm", name).returncode == 0
    finally:
        srv.shutdown()


def test_session_limit(host):
    # Connections that never handshake: one address may hold two slots
    # (for 10 s each), not all of them; a third is reset at once.
    gone = re.compile(r"closed: TLS handshake failed|closed: no TLS handshake in time")
    before = len(gone.findall(host.text()))
    idle = [socket.create_connection(("127.0.0.1", host.port), timeout=30) for _ in range(2)]
    time.sleep(2)
    third = socket.create_connection(("127.0.0.1", host.port), timeout=30)
    third.settimeout(5)     # at once, not at the 10 s handshake limit
    try:
        assert third.recv(1) == b""         # closed by the host
    except ConnectionResetError:
        pass
    third.close()
    for s in idle:
        s.close()
    end = time.monotonic() + 30
    while len(gone.findall(host.text())) < before + 2:     # both slots given back
        assert time.monotonic() < end, "the idle connections kept their slots"
        time.sleep(0.5)
    sessions = [Session(host) for _ in range(4)]
    try:
        for s in sessions:
            assert s.call("rpc.ping")["result"] is not None
        extra = Session(host)
        r = extra.call("rpc.ping")
        assert r["error"]["code"] == -32002 and "too many sessions" in r["error"]["message"]
        with pytest.raises((ConnectionError, OSError, ssl.SSLError)):
            extra.call("rpc.ping")
        extra.close()
        for s in sessions:      # the four carry on
            assert s.call("rpc.ping")["result"] is not None
    finally:
        for s in sessions:
            s.close()
    end = time.monotonic() + 30
    while True:
        s = Session(host)
        r = s.call("rpc.ping")
        s.close()
        if "result" in r:
            break
        assert time.monotonic() < end, "sessions were not released"
        time.sleep(1)


def test_reboot(host):
    r = ctl(host, "host", "reboot")
    assert r.returncode == 2        # needs --yes
    r = ctl(host, "host", "reboot", "--yes")
    assert r.returncode == 0, r.stderr
    host.wait_for(r"bastion: rebooting", 30)
    assert re.search(r"host: reboot requested by CN=alice, O=Bastion, OU=admin", host.text())
    # QEMU runs with -no-reboot: the reset ends it.
    host.proc.wait(60)


def test_host_key_made_at_boot():
    """Without host-cert/host-key in the config the host makes a key and a
    self-signed certificate at boot and prints its fingerprint; a client
    that pins that fingerprint can manage the host, one that expects the
    operator CA's signature cannot. This host takes its address by DHCP."""
    need("qemu-system-x86_64", "dtc")
    make("bastion.elf", "test/remote-selfsigned.dtb", "host/bastionctl")
    h = boot("remote-selfsigned.dtb", "remote-selfsigned")
    try:
        h.wait_for(r"remote: JSON-RPC over mutual TLS on TCP port 4443", 180)
        h.wait_for(r"mgmt: address 10\.0\.2\.15 \(DHCP\)", 60)
        m = re.search(r"remote: host certificate SHA-256 fingerprint ([0-9A-F:]{95})", h.text())
        assert m and "made a key and a self-signed certificate" in h.text()
        printed = m.group(1).replace(":", "").lower()
        s = Session(h, verify=False)
        try:
            der = s.s.getpeercert(binary_form=True)
            assert hashlib.sha256(der).hexdigest() == printed
            assert s.call("host.info")["result"]["vmm"] == "svm"
        finally:
            s.close()
        r = ctl(h, "host", "info")
        assert r.returncode == 3        # not signed by the operator CA
        r = ctl(h, "host", "info", extra=("--fingerprint", m.group(1)))
        assert r.returncode == 0 and "svm" in r.stdout, r.stderr
        r = ctl(h, "host", "info", extra=("--fingerprint", "00" * 32))
        assert r.returncode == 3 and "fingerprint" in r.stderr
    finally:
        stop(h)
