# kernel/crypto.c (SHA-256, client certificate identity and role,
# fingerprints, the operator CA, the host's self-signed certificate) on
# the host's mbedtls (libmbedtls-dev, tools/deps.sh) in place of the
# kernel's own build of it; the DRBG is a stub. The libraries are named
# by path, not -l, so that the link line has them after the sources.
#
# Fixtures: certificates made by the openssl CLI at build time into
# $(CRYPTO_DATA) (nothing binary is committed): one per subject the role
# rule must tell apart, an operator CA (PEM) and its fingerprint as
# `openssl x509 -fingerprint -sha256` prints it.
CRYPTO_DATA := $(BUILD)/host/data/crypto

LIBS_test_crypto = $(foreach l,mbedtls mbedx509 mbedcrypto, \
	$(shell $(HOSTCC) -print-file-name=lib$(l).so))
SRCS_test_crypto   = kernel/crypto.c kernel/base64.c kernel/fmt.c \
	tests/unit/support/rpc_stubs.c tests/unit/support/crypto_stubs.c \
	$(LIBS_test_crypto)
CFLAGS_test_crypto := -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-DCRYPTO_DATA_DIR=\"$(abspath $(CRYPTO_DATA))\"
DEPS_test_crypto   := $(CRYPTO_DATA)/.stamp

# leaf NAME ARGS...: a self-signed DER certificate NAME.der (the key is
# shared: only the subject matters here). -utf8 keeps the bytes of the
# subject as given; long: openssl's largest CN and L, a subject longer
# than a session identity; printable: the OU a PrintableString, not a
# UTF8String; issued, issued-admin: signed by ca.pem, whose own OU is
# admin. openssl x509 -req reports on stderr even when all is well
# (x509.log, kept if it fails).
$(CRYPTO_DATA)/.stamp: tests/unit/test_crypto.mk
	@rm -rf $(dir $@) && mkdir -p $(dir $@)
	$(call say,OPENSSL,$(dir $@))
	$(Q)set -e; cd $(dir $@); \
	openssl ecparam -name prime256v1 -genkey -noout -out key.pem; \
	openssl ecparam -name prime256v1 -genkey -noout -out ca.key; \
	leaf() { n=$$1; shift; \
		openssl req -x509 -new -config /dev/null -utf8 -key key.pem -days 3650 \
			-outform DER -out $$n.der "$$@"; }; \
	leaf admin           -subj "/CN=a/O=Bastion/OU=admin"; \
	leaf read-only       -subj "/CN=b/O=Bastion/OU=read-only"; \
	leaf no-ou           -subj "/CN=c/O=Bastion"; \
	leaf admin-admin     -subj "/CN=d/O=Bastion/OU=admin/OU=admin"; \
	leaf admin-x         -subj "/CN=e/OU=admin/OU=x"; \
	leaf x-admin         -subj "/CN=e/OU=x/OU=admin"; \
	leaf cap-admin       -subj "/CN=f/OU=Admin"; \
	leaf admin-space     -subj "/CN=g/OU=admin "; \
	leaf space-admin     -subj "/CN=g/OU= admin"; \
	leaf adminx          -subj "/CN=h/OU=adminx"; \
	leaf admi            -subj "/CN=h/OU=admi"; \
	leaf cn-admin        -subj "/CN=admin/O=admin"; \
	leaf only-ou         -subj "/OU=admin"; \
	leaf multi-rdn       -subj "/CN=i+OU=admin/O=Bastion" -multivalue-rdn; \
	leaf multi-rdn-two   -subj "/CN=i+OU=admin/OU=x" -multivalue-rdn; \
	leaf empty           -subj "/"; \
	leaf control         -subj "/CN=c$$(printf '\001')x$$(printf '\177')y$$(printf '\303\251')z/OU=read-only"; \
	CN_LONG=$$(printf '%064d' 0 | tr 0 c); L_LONG=$$(printf '%0128d' 0 | tr 0 l); \
	leaf long            -subj "/CN=$$CN_LONG/O=Bastion/OU=admin/L=$$L_LONG/ST=$$L_LONG"; \
	printf '[req]\ndistinguished_name = dn\nstring_mask = default\n[dn]\n' >printable.cnf; \
	openssl req -x509 -new -config printable.cnf -key key.pem -days 3650 \
		-subj "/CN=p/O=Bastion/OU=admin" -outform DER -out printable.der; \
	openssl req -x509 -new -config /dev/null -key ca.key -days 3650 \
		-subj "/CN=Bastion test CA/O=Bastion/OU=admin" -out ca.pem; \
	openssl req -x509 -new -config /dev/null -key key.pem -days 3650 \
		-subj "/CN=Second test CA/O=Bastion" -out ca2.pem; \
	openssl x509 -in ca.pem -noout -fingerprint -sha256 >ca.fp; \
	openssl x509 -in ca2.pem -noout -fingerprint -sha256 >ca2.fp; \
	openssl x509 -in ca.pem -outform DER -out ca.der; \
	for s in "/CN=j/O=Bastion:issued" "/CN=k/O=Bastion/OU=admin:issued-admin"; do \
		openssl req -new -config /dev/null -key key.pem -subj "$${s%:*}" -out req.csr; \
		openssl x509 -req -in req.csr -CA ca.pem -CAkey ca.key -days 3650 \
			-outform DER -out "$${s##*:}.der" 2>x509.log; \
	done; \
	rm -f req.csr x509.log; \
	touch .stamp
