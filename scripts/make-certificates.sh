#!/usr/bin/env bash
# Private CAs and certificates: TLS on the game port (Gateway:Tls), and mutual TLS inside the cluster (Cluster:Tls).
# docs/security.md explains both, and how to rotate them.
#
#   scripts/make-certificates.sh [DIR] [NAME...]                 the game port; default DIR ./certs, NAME localhost
#   scripts/make-certificates.sh cluster [DIR] [[client:]NAME...] the cluster; default DIR ./certs/cluster,
#                                                                NAMEs silo1 silo2 client:gateway1 client:gateway2
#
# Game port: writes DIR/ca.crt, DIR/ca.key (keep it offline), DIR/gateway.crt (its names: every NAME, as DNS names
# or IP addresses) and DIR/gateway.key (mode 0600). Clients trust ca.crt (SDK: MmoClientTls.TrustedCertificate;
# bots: --tls-ca DIR/ca.crt) or, with a certificate from a public CA instead, nothing at all.
#
# Cluster: a CA of its own (never the game port's: a gateway's public certificate must not open the cluster),
# DIR/ca.crt and DIR/ca.key, then DIR/NAME.crt and DIR/NAME.key for every NAME. A plain NAME is a silo (extended
# key usages serverAuth and clientAuth: it accepts connections and opens them); client:NAME is an Orleans client
# such as a gateway (clientAuth only). Every process gets Cluster:Tls:CertificatePath=DIR/NAME.crt,
# Cluster:Tls:KeyPath=DIR/NAME.key and Cluster:Tls:CaCertificatePath=DIR/ca.crt.
#
# An existing DIR/ca.key is reused, so running again issues new certificates (a rotation) under the same CA.
# Certificates and keys are never committed (.gitignore: certs/).
set -euo pipefail
command -v openssl >/dev/null || { echo "openssl is needed (Debian package openssl)" >&2; exit 1; }
umask 077

# make_ca DIR SUBJECT: DIR/ca.crt and DIR/ca.key, unless the key is there already.
make_ca() {
    [[ -f "$1/ca.key" ]] && return 0
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
        -subj "/CN=$2" -keyout "$1/ca.key" -out "$1/ca.crt" \
        -addext "basicConstraints=critical,CA:true,pathlen:0" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    chmod 0644 "$1/ca.crt"
}

# issue DIR FILE CN SAN EKU: DIR/FILE.crt and DIR/FILE.key, signed by DIR/ca.key.
issue() {
    local dir="$1" file="$2" cn="$3" san="$4" eku="$5"
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$cn" \
        -keyout "$dir/$file.key" -out "$dir/$file.csr" 2>/dev/null
    openssl x509 -req -in "$dir/$file.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial -days 397 \
        -extfile <(printf 'subjectAltName=%s\nextendedKeyUsage=%s\nkeyUsage=critical,digitalSignature\n' "$san" "$eku") \
        -out "$dir/$file.crt" 2>/dev/null
    rm -f "$dir/$file.csr" "$dir/ca.srl"
    chmod 0644 "$dir/$file.crt"
}

if [[ "${1:-}" == cluster ]]; then
    shift
    dir="${1:-certs/cluster}"
    shift || true
    names=("$@")
    ((${#names[@]})) || names=(silo1 silo2 client:gateway1 client:gateway2)
    mkdir -p "$dir"
    make_ca "$dir" "OrleansMmo cluster CA"
    for name in "${names[@]}"; do
        eku=serverAuth,clientAuth
        if [[ "$name" == client:* ]]; then name="${name#client:}"; eku=clientAuth; fi
        [[ "$name" =~ ^[A-Za-z0-9][A-Za-z0-9.-]*$ && "$name" != ca ]] || { echo "bad certificate name: $name" >&2; exit 2; }
        issue "$dir" "$name" "$name" "DNS:$name" "$eku"
    done
    echo "wrote $dir/ca.crt and, for ${names[*]}, $dir/NAME.crt and $dir/NAME.key"
    exit 0
fi

dir="${1:-certs}"
shift || true
names=("$@")
((${#names[@]})) || names=(localhost)
mkdir -p "$dir"

san=""
for name in "${names[@]}"; do
    if [[ "$name" =~ ^[0-9.]+$ || "$name" == *:* ]]; then san+="IP:$name,"; else san+="DNS:$name,"; fi
done
san="${san%,}"

make_ca "$dir" "OrleansMmo private CA"
issue "$dir" gateway "${names[0]}" "$san" serverAuth
echo "wrote $dir/ca.crt $dir/gateway.crt $dir/gateway.key (names: $san)"
