#!/usr/bin/env bash
# A private CA and a gateway certificate for TLS on the game port (Gateway:Tls, docs/security.md).
#
#   scripts/make-certificates.sh [DIR] [NAME...]     default DIR ./certs, default NAME localhost
#
# Writes DIR/ca.crt, DIR/ca.key (keep it offline), DIR/gateway.crt (its names: every NAME, as DNS names or
# IP addresses) and DIR/gateway.key (mode 0600). Clients trust ca.crt (SDK: MmoClientTls.TrustedCertificate;
# bots: --tls-ca DIR/ca.crt) or, with a certificate from a public CA instead, nothing at all.
# Certificates and keys are never committed (.gitignore: certs/).
set -euo pipefail
dir="${1:-certs}"
shift || true
names=("$@")
((${#names[@]})) || names=(localhost)
command -v openssl >/dev/null || { echo "openssl is needed (Debian package openssl)" >&2; exit 1; }
mkdir -p "$dir"
umask 077

san=""
for name in "${names[@]}"; do
    if [[ "$name" =~ ^[0-9.]+$ || "$name" == *:* ]]; then san+="IP:$name,"; else san+="DNS:$name,"; fi
done
san="${san%,}"

if [[ ! -f "$dir/ca.key" ]]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
        -subj "/CN=OrleansMmo private CA" -keyout "$dir/ca.key" -out "$dir/ca.crt" \
        -addext "basicConstraints=critical,CA:true,pathlen:0" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
fi

openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=${names[0]}" \
    -keyout "$dir/gateway.key" -out "$dir/gateway.csr" 2>/dev/null
openssl x509 -req -in "$dir/gateway.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial -days 397 \
    -extfile <(printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n' "$san") \
    -out "$dir/gateway.crt" 2>/dev/null
rm -f "$dir/gateway.csr" "$dir/ca.srl"
chmod 0644 "$dir/ca.crt" "$dir/gateway.crt"
echo "wrote $dir/ca.crt $dir/gateway.crt $dir/gateway.key (names: $san)"
