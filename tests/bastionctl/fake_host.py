#!/usr/bin/python3
"""A stand-in for Bastion's management port, to test bastionctl end to end.

Speaks kernel/RPC.md (JSON-RPC 2.0, one object a line) over TLS 1.2 and
requires a client certificate signed by --ca. The role is the client
certificate's subject OU ("admin" or "read-only", as `bastionctl pki
client --role` writes it); a read-only session calling a mutating method
gets -32001. Answers a few methods from canned state; "test.garbled" and
"test.huge" answer wrongly on purpose (protocol errors).

    fake_host.py --cert cert.pem --key key.pem --ca ca.pem [--port N]
    fake_host.py --plain [--port N]

--plain mimics today's serial console over TCP (what bastionctl
--insecure-plain talks to): no TLS, role admin, and a kernel log line
before every answer.

Prints "listening on PORT" once ready; serves until killed.
"""
import argparse
import json
import socket
import ssl
import sys
import threading

MUTATING = {"vm.create", "vm.start", "vm.stop", "vm.shutdown", "vm.destroy", "fw.set",
            "image.begin", "image.chunk", "image.commit", "image.abort"}


class Host:
    def __init__(self):
        self.lock = threading.Lock()
        self.vms = {
            "web": {"name": "web", "state": "running", "reason": "", "exit_status": None,
                    "memory_mib": 128, "vcpus": 1},
            "job": {"name": "job", "state": "exited", "reason": "exit", "exit_status": 3,
                    "memory_mib": 256, "vcpus": 2},
        }
        self.policies = {"web": {"ingress": ["allow tcp port 80"], "egress": []}}

    def call(self, method, params):
        """Returns (result, None) or (None, (code, message))."""
        with self.lock:
            if method == "rpc.ping":
                return "pong", None
            if method == "host.info":
                return {"version": "0.1.0-fake", "vmm": "svm", "cpus": 2,
                        "memory": {"total_bytes": 268435456, "free_bytes": 201326592},
                        "uptime_ms": 3723004,
                        "protections": ["nx", "smep", "w^x"]}, None
            if method == "vm.list":
                return list(self.vms.values()), None
            if method == "log.tail":
                n = params.get("lines", 100)
                return {"lines": [f"[    0.00{i}] I line {i}" for i in range(n)][-3:],
                        "truncated": False}, None
            if method == "vm.console":
                if params.get("name") not in self.vms:
                    return None, (-32003, "no VM named that")
                text = "hello from " + params["name"] + "\n"
                if "offset" not in params:
                    return text, None
                # The host's follow form (kernel/RPC.md): bytes from an
                # absolute offset, as many as asked.
                off = params["offset"]
                if off > len(text):
                    return None, (-32602, "offset past the console's end")
                data = text[off:off + params.get("bytes", 2048)]
                return {"data": data, "offset": off, "next": off + len(data), "lost": 0,
                        "end": len(text)}, None
            if method == "vm.create":
                name = params.get("name")
                if name in self.vms:
                    return None, (-32004, "a VM with that name exists")
                self.vms[name] = {"name": name, "state": "created", "reason": "",
                                  "exit_status": None,
                                  "memory_mib": params.get("memory_mib", 256),
                                  "vcpus": params.get("vcpus", 1)}
                return True, None
            if method == "vm.start":
                vm = self.vms.get(params.get("name"))
                if not vm:
                    return None, (-32003, "no VM named that")
                if vm["state"] != "created":
                    return None, (-32004, "the VM is not in the created state")
                vm["state"] = "running"
                return True, None
            if method == "fw.set":
                if params.get("name") not in self.vms:
                    return None, (-32003, "no switch port named that")
                self.policies[params["name"]] = {k: params[k] for k in ("ingress", "egress")
                                                 if k in params}
                return True, None
            if method == "fw.last":     # for the test: what fw.set stored
                return self.policies.get(params.get("name")), None
            return None, (-32601, "method not found")


def answer(host, role, line):
    try:
        req = json.loads(line)
    except ValueError:
        return {"jsonrpc": "2.0", "id": None,
                "error": {"code": -32700, "message": "parse error"}}
    rid, method, params = req.get("id"), req.get("method"), req.get("params", {})
    if method == "test.garbled":
        return "this is not JSON"
    if method == "test.huge":
        return '{"jsonrpc":"2.0","id":%d,"result":"%s"}' % (rid, "x" * 300000)
    known = host.call(method, params)[1] != (-32601, "method not found") \
        if method not in MUTATING else True
    if method in MUTATING and role != "admin":
        res, err = None, (-32001, "permission denied: read-only session")
    elif not known:
        res, err = None, (-32601, "method not found")
    else:
        res, err = host.call(method, params)
    if err:
        return {"jsonrpc": "2.0", "id": rid, "error": {"code": err[0], "message": err[1]}}
    return {"jsonrpc": "2.0", "id": rid, "result": res}


def serve(conn, host, plain=False):
    try:
        if plain:
            role = "admin"
        else:
            cert = conn.getpeercert()
            ou = [v for rdn in cert.get("subject", ()) for (k, v) in rdn
                  if k == "organizationalUnitName"]
            role = "admin" if ou == ["admin"] else "read-only"
        buf = b""
        while True:
            data = conn.recv(65536)
            if not data:
                return
            buf += data
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                if not line.strip():
                    continue
                out = answer(host, role, line.decode())
                text = out if isinstance(out, str) else json.dumps(out, separators=(",", ":"))
                if plain:
                    text = "[    1.000000] I console: a log line\r\n" + text
                conn.sendall(text.encode() + b"\n")
    except (OSError, ssl.SSLError):
        pass
    finally:
        conn.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--ca")
    ap.add_argument("--plain", action="store_true")
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()

    if not args.plain:
        if not (args.cert and args.key and args.ca):
            ap.error("--cert, --key and --ca are needed without --plain")
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(args.cert, args.key)
        ctx.load_verify_locations(args.ca)
        ctx.verify_mode = ssl.CERT_REQUIRED
    host = Host()
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", args.port))
    lsock.listen(16)
    print("listening on", lsock.getsockname()[1], flush=True)
    while True:
        raw, _ = lsock.accept()
        if args.plain:
            threading.Thread(target=serve, args=(raw, host, True), daemon=True).start()
            continue

        def handshake(raw=raw):
            try:
                raw.settimeout(10)
                conn = ctx.wrap_socket(raw, server_side=True)
            except (OSError, ssl.SSLError) as e:
                print("handshake failed:", e, file=sys.stderr, flush=True)
                raw.close()
                return
            serve(conn, host)

        threading.Thread(target=handshake, daemon=True).start()


if __name__ == "__main__":
    main()
