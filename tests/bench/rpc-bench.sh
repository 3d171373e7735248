#!/bin/bash
# The management port against a local `openssl s_server`, with the same
# client (build/host/rpc_bench) and the same CA: round trips and TLS
# handshakes per second on both, their ratio Bastion/s_server, and
# Bastion's image upload throughput (s_server has nothing to compare).
#
#   rpc-bench.sh --host H[:PORT] --client DIR --ca-dir DIR [options]
#   rpc-bench.sh --fake --client DIR --ca-dir DIR [options]
#
#   --host H[:PORT]  the Bastion host (port 4443 by default)
#   --client DIR     cert.pem, key.pem, ca.pem of an admin client
#                    (`bastionctl pki client --role admin --out DIR`)
#   --ca-dir DIR     the operator CA that signed the host's certificate
#                    (ca.pem, ca-key.pem from `bastionctl pki ca`): it signs
#                    s_server's certificate too
#   --fake           tests/bastionctl/fake_host.py stands in for Bastion
#                    (rpc and handshake only: it has no image.*)
#   --seconds N      per mode and server (default 5)
#   --upload-mib M   image size for the upload (default 8)
#   --port P         s_server's port on 127.0.0.1 (default 24433)
#
# Needs `make rpc-bench` (rpc_bench and bastionctl) and openssl.
set -eu -o pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$root/build}
bench=$build/host/rpc_bench
ctl=$build/host/bastionctl

host= client= cadir= fake= seconds=5 mib=8 port=24433
die() { echo "rpc-bench.sh: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
	--host) host=${2:?}; shift ;;
	--client) client=${2:?}; shift ;;
	--ca-dir) cadir=${2:?}; shift ;;
	--fake) fake=1 ;;
	--seconds) seconds=${2:?}; shift ;;
	--upload-mib) mib=${2:?}; shift ;;
	--port) port=${2:?}; shift ;;
	-h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
	*) die "unknown argument $1 (try --help)" ;;
	esac
	shift
done
[ -n "$host" ] || [ -n "$fake" ] || die "--host H[:PORT] or --fake is needed"
[ -n "$client" ] && [ -n "$cadir" ] || die "--client DIR and --ca-dir DIR are needed"
for f in "$client"/cert.pem "$client"/key.pem "$client"/ca.pem "$cadir"/ca.pem "$cadir"/ca-key.pem; do
	[ -r "$f" ] || die "cannot read $f"
done
[ -x "$bench" ] && [ -x "$ctl" ] || die "build them first: make rpc-bench"

work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

# s_server's certificate: same CA, for the name and address we connect to.
"$ctl" pki host --ca "$cadir" --name localhost --ip 127.0.0.1 --out "$work/srv" >/dev/null
openssl s_server -accept "127.0.0.1:$port" -tls1_2 -cert "$work/srv/cert.pem" \
	-key "$work/srv/key.pem" -CAfile "$cadir/ca.pem" -Verify 1 -verify_return_error \
	-rev -quiet >"$work/s_server.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do
	(: </dev/tcp/127.0.0.1/"$port") 2>/dev/null && break
	kill -0 "${pids[0]}" 2>/dev/null || { cat "$work/s_server.log" >&2; die "s_server did not start"; }
	sleep 0.1
done

modes=all
if [ -n "$fake" ]; then
	/usr/bin/python3 "$root/tests/bastionctl/fake_host.py" --cert "$work/srv/cert.pem" \
		--key "$work/srv/key.pem" --ca "$cadir/ca.pem" >"$work/fake.out" 2>"$work/fake.log" &
	pids+=($!)
	for _ in $(seq 50); do
		grep -q '^listening on' "$work/fake.out" && break
		sleep 0.1
	done
	host=127.0.0.1:$(awk '/^listening on/ { print $3 }' "$work/fake.out")
	[ "$host" != 127.0.0.1: ] || die "fake_host.py did not start"
	modes=rpc,handshake
fi

common=(--cert "$client/cert.pem" --key "$client/key.pem" --ca "$client/ca.pem"
	--seconds "$seconds")
status=0
echo "== Bastion${fake:+ (fake_host.py)}: $host"
"$bench" --host "$host" "${common[@]}" --mode "$modes" --upload-mib "$mib" | tee "$work/bastion.txt" ||
	status=$?
echo
echo "== openssl s_server -rev: 127.0.0.1:$port"
"$bench" --host "127.0.0.1:$port" "${common[@]}" --mode rpc,handshake --raw |
	tee "$work/s_server.txt" || status=$?

# rate of MODE in an rpc_bench table (column 5), empty if it failed
rate() { awk -v m="$2" '$1 == m && $5 ~ /^[0-9.]+$/ { print $5 }' "$1"; }
echo
echo "== Bastion / s_server (same client, same CA; Bastion answers JSON-RPC,"
echo "   s_server reverses the same request lines)"
printf '%-10s %12s %12s %8s  %s\n' MODE BASTION S_SERVER RATIO UNIT
for m in rpc handshake; do
	a=$(rate "$work/bastion.txt" $m) b=$(rate "$work/s_server.txt" $m)
	unit=$([ $m = rpc ] && echo "round trips/s" || echo "handshakes/s")
	r=$(awk -v a="$a" -v b="$b" 'BEGIN { if (a != "" && b > 0) printf "%.3f", a / b; else print "-" }')
	printf '%-10s %12s %12s %8s  %s\n' $m "${a:--}" "${b:--}" "$r" "$unit"
done
if [ -z "$fake" ]; then
	a=$(rate "$work/bastion.txt" upload)
	printf '%-10s %12s %12s %8s  %s\n' upload "${a:--}" - - "MiB/s (nothing to compare on s_server)"
fi
exit $status
