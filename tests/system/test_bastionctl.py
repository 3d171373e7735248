"""bastionctl end to end over TLS against tests/bastionctl/fake_host.py.

Certificates come from `bastionctl pki`; the fake host requires a client
certificate from its CA and takes the role from the subject's OU. Checks
the exit codes scripts rely on: 0 ok, 1 host error (-32001 for a read-only
certificate mutating, "method not found" for image upload), 2 usage,
3 connection/TLS/certificate failures (refused, timeout, server cert not
from our CA, our cert from another CA), 4 garbled answers. No emulator:
runs in a few seconds.
"""
import json
import os
import socket
import ssl
import stat
import subprocess
import sys

import pytest

from conftest import BUILD, ROOT, make

BASTIONCTL = os.path.join(BUILD, "host", "bastionctl")
FAKE_HOST = os.path.join(ROOT, "tests", "bastionctl", "fake_host.py")


def run(*args, env=None, stdin=None, timeout=20):
    e = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/nonexistent"}
    e.update(env or {})
    p = subprocess.run([BASTIONCTL, *args], env=e, input=stdin, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def start_fake(*args):
    p = subprocess.Popen(["/usr/bin/python3", FAKE_HOST, *args], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True)
    line = p.stdout.readline()
    assert line.startswith("listening on"), line
    return p, int(line.split()[-1])


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    make("host/bastionctl")
    d = tmp_path_factory.mktemp("pki")
    steps = [
        ("pki", "ca", "--out", f"{d}/ca"),
        ("pki", "client", "--ca", f"{d}/ca", "--name", "alice", "--role", "admin",
         "--out", f"{d}/admin"),
        ("pki", "client", "--ca", f"{d}/ca", "--name", "bob", "--role", "read-only",
         "--out", f"{d}/ro"),
        ("pki", "host", "--ca", f"{d}/ca", "--name", "localhost", "--ip", "127.0.0.1",
         "--out", f"{d}/host"),
        ("pki", "ca", "--out", f"{d}/other-ca", "--name", "Someone else"),
        ("pki", "client", "--ca", f"{d}/other-ca", "--name", "mallory", "--role", "admin",
         "--out", f"{d}/other"),
    ]
    for s in steps:
        rc, out, err = run(*s)
        assert rc == 0, (s, out, err)
    return d


@pytest.fixture(scope="module")
def host(pki):
    p, port = start_fake("--cert", f"{pki}/host/cert.pem", "--key", f"{pki}/host/key.pem",
                         "--ca", f"{pki}/ca/ca.pem")
    yield port
    p.kill()
    p.wait()


def as_(pki, who, port, *args, ca=None, hostname="localhost"):
    """bastionctl with who's certificate (admin, ro, other) from the environment."""
    env = {"BASTION_HOST": f"{hostname}:{port}",
           "BASTION_CERT": f"{pki}/{who}/cert.pem", "BASTION_KEY": f"{pki}/{who}/key.pem",
           "BASTION_CA": ca or f"{pki}/{who}/ca.pem"}
    return run("--timeout", "5", *args, env=env)


def test_pki_files(pki):
    for d in ("ca",):
        assert stat.S_IMODE(os.stat(f"{pki}/{d}/ca-key.pem").st_mode) == 0o600
    for d in ("admin", "ro", "host"):
        assert stat.S_IMODE(os.stat(f"{pki}/{d}/key.pem").st_mode) == 0o600
        assert open(f"{pki}/{d}/cert.pem").read().startswith("-----BEGIN CERTIFICATE-----")
    subj = dict(x[0] for x in ssl._ssl._test_decode_cert(f"{pki}/ro/cert.pem")["subject"])
    assert subj == {"commonName": "bob", "organizationName": "Bastion",
                    "organizationalUnitName": "read-only"}
    h = ssl._ssl._test_decode_cert(f"{pki}/host/cert.pem")
    assert ("DNS", "localhost") in h["subjectAltName"]
    assert ("IP Address", "127.0.0.1") in h["subjectAltName"]
    # a CA is never overwritten
    rc, _, err = run("pki", "ca", "--out", f"{pki}/ca")
    assert rc == 1 and "not overwritten" in err


def test_host_info_and_tables(pki, host):
    rc, out, err = as_(pki, "admin", host, "host", "info")
    assert rc == 0, err
    assert "VERSION      0.1.0-fake" in out and "PROTECTIONS  nx smep w^x" in out
    rc, out, err = as_(pki, "ro", host, "vm", "ls")
    assert rc == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["NAME", "STATE", "STATUS", "MEMORY", "VCPUS"]
    assert lines[0].index("STATE") == lines[1].index("running")
    rc, out, err = as_(pki, "ro", host, "--json", "vm", "ls")
    assert rc == 0 and {v["name"] for v in json.loads(out)} >= {"web", "job"}


def test_by_address(pki, host):
    rc, out, err = as_(pki, "admin", host, "raw", "rpc.ping", hostname="127.0.0.1")
    assert rc == 0 and out.strip() == '"pong"', err


def test_read_only_cannot_mutate(pki, host):
    rc, out, err = as_(pki, "ro", host, "vm", "start", "web")
    assert rc == 1 and "-32001" in err and "read-only" in err


def test_admin_runs_a_vm(pki, host):
    rc, _, err = as_(pki, "admin", host, "vm", "run", "new", "--image", "demo-a",
                     "--memory", "64")
    assert rc == 0, err
    rc, out, _ = as_(pki, "admin", host, "vm", "ls")
    assert any(l.split()[:2] == ["new", "running"] for l in out.splitlines())
    rc, _, err = as_(pki, "admin", host, "vm", "start", "new")
    assert rc == 1 and "-32004" in err


def test_fw_set_from_policy_file(pki, host, tmp_path):
    pol = tmp_path / "p.json"
    pol.write_text('{"ingress": ["allow tcp port 22"], "egress": []}\n')
    rc, _, err = as_(pki, "admin", host, "fw", "set", "web", str(pol))
    assert rc == 0, err
    rc, out, _ = as_(pki, "admin", host, "raw", "fw.last", '{"name":"web"}')
    assert json.loads(out) == {"ingress": ["allow tcp port 22"], "egress": []}
    pol.write_text('{"ingress": "allow"}')
    rc, _, err = as_(pki, "admin", host, "fw", "set", "web", str(pol))
    assert rc == 2 and "list of rules" in err


def test_logs_follow_exits_with_the_vms_status(pki, host):
    rc, out, err = as_(pki, "ro", host, "vm", "logs", "job", "-f")
    assert rc == 3 and out == "hello from job\n", err


def test_upload_not_implemented_is_clear(pki, host, tmp_path):
    img = tmp_path / "img"
    img.write_bytes(os.urandom(100000))
    rc, _, err = as_(pki, "admin", host, "vm", "upload", "web", str(img))
    assert rc == 1 and "does not implement image upload" in err


def test_client_cert_from_another_ca(pki, host):
    rc, _, err = as_(pki, "other", host, "vm", "ls", ca=f"{pki}/ca/ca.pem")
    assert rc == 3 and "rejected our certificate" in err


def test_server_cert_not_from_our_ca(pki, host):
    rc, _, err = as_(pki, "admin", host, "vm", "ls", ca=f"{pki}/other-ca/ca.pem")
    assert rc == 3 and "not signed by our CA" in err


def test_server_name_mismatch(pki):
    rc, _, err = run("pki", "host", "--ca", f"{pki}/ca", "--name", "bastion2.lab",
                     "--out", f"{pki}/host2")
    assert rc == 0, err
    p, port = start_fake("--cert", f"{pki}/host2/cert.pem", "--key", f"{pki}/host2/key.pem",
                         "--ca", f"{pki}/ca/ca.pem")
    try:
        for name in ("localhost", "127.0.0.1"):
            rc, _, err = as_(pki, "admin", port, "vm", "ls", hostname=name)
            assert rc == 3 and "not for this host name" in err, err
    finally:
        p.kill()
        p.wait()


def test_refused_and_timeout(pki):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    rc, _, err = as_(pki, "admin", port, "vm", "ls", hostname="127.0.0.1")
    assert rc == 3 and "refused" in err
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)             # connects, never speaks TLS
    try:
        rc, _, err = run("--timeout", "1", "--host", f"127.0.0.1:{s.getsockname()[1]}",
                         "--cert", f"{pki}/admin/cert.pem", "--key", f"{pki}/admin/key.pem",
                         "--ca", f"{pki}/ca/ca.pem", "vm", "ls")
    finally:
        s.close()
    assert rc == 3 and "timeout" in err


def test_garbled_answers(pki, host):
    rc, _, err = as_(pki, "admin", host, "raw", "test.garbled")
    assert rc == 4 and "protocol error" in err
    rc, _, err = as_(pki, "admin", host, "raw", "test.huge")
    assert rc == 4 and "longer than 262144" in err


def test_usage_and_help(pki):
    assert run("vm", "ls", "--bogus")[0] == 2
    assert run("vm")[0] == 2
    assert run("vm", "run", "x")[0] == 2
    assert run("raw", "m", "[1]", "--host", "h")[0] == 2
    rc, out, _ = run("--help")
    assert rc == 0 and "EXIT STATUS" in out
    for verb in (["host", "info"], ["vm", "ls"], ["vm", "logs"], ["vm", "run"],
                 ["vm", "start"], ["vm", "stop"], ["vm", "rm"], ["vm", "stats"],
                 ["vm", "upload"], ["fw", "get"], ["fw", "set"], ["switch", "ports"],
                 ["log", "tail"], ["raw"], ["pki", "ca"], ["pki", "client"], ["pki", "host"]):
        rc, out, _ = run(*verb, "--help")
        assert rc == 0
        for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXIT STATUS",
                        "EXAMPLES"):
            assert f"\n{section}\n" in "\n" + out, (verb, section)


def test_insecure_plain_skips_console_log_lines(pki):
    p, port = start_fake("--plain")
    try:
        rc, out, err = run("--insecure-plain", "--host", f"127.0.0.1:{port}", "vm", "ls")
    finally:
        p.kill()
        p.wait()
    assert rc == 0 and "web" in out and "insecure-plain" in err
