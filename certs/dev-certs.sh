#!/usr/bin/env bash
# Makes a development CA and a serving certificate for the webhook's Service, with openssl.
# Development and test use only: the keys are written to OUT_DIR (git-ignored) and never committed.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: certs/dev-certs.sh [--service NAME] [--namespace NS] [--out DIR] [--days N] [--force]

Writes a development CA and a serving certificate signed by it into OUT_DIR:
  ca.crt   the CA certificate (what a webhook configuration's caBundle holds)
  ca.key   the CA key (kept so that later runs sign with the same CA; never commit it)
  tls.crt  the serving certificate
  tls.key  the serving key
The serving certificate is valid for NAME, NAME.NS, NAME.NS.svc, NAME.NS.svc.cluster.local,
localhost, 127.0.0.1 and ::1, so it works both in a cluster and for `dotnet run` on this machine.

Options:
  --service NAME    the webhook's Service name (default rollout-deadline-guard)
  --namespace NS    the Service's namespace (default deadline-guard)
  --out DIR         output folder (default $OUT_DIR, else ./.dev-certs, which git ignores)
  --days N          validity of the serving certificate in days (default 365; the CA gets 3650)
  --force           make a new CA even if OUT_DIR already has one
  -h, --help        this text

Then, for example:
  dotnet run --project src/Webhook -- serve --Tls:CertFile=.dev-certs/tls.crt --Tls:KeyFile=.dev-certs/tls.key
  curl --cacert .dev-certs/ca.crt https://localhost:8443/readyz
  # the chart's existingSecret mode:
  kubectl -n NS create secret tls rollout-deadline-guard-tls --cert=.dev-certs/tls.crt --key=.dev-certs/tls.key
  helm install ... --set certificates.mode=existingSecret \
    --set certificates.existingSecret.name=rollout-deadline-guard-tls \
    --set certificates.existingSecret.caBundle="$(base64 -w0 .dev-certs/ca.crt)"
USAGE
}

service=rollout-deadline-guard
namespace=deadline-guard
out="${OUT_DIR:-./.dev-certs}"
days=365
force=false

while [ $# -gt 0 ]; do
  case "$1" in
    --service) service="${2:?--service needs a value}"; shift 2 ;;
    --service=*) service="${1#*=}"; shift ;;
    --namespace) namespace="${2:?--namespace needs a value}"; shift 2 ;;
    --namespace=*) namespace="${1#*=}"; shift ;;
    --out) out="${2:?--out needs a value}"; shift 2 ;;
    --out=*) out="${1#*=}"; shift ;;
    --days) days="${2:?--days needs a value}"; shift 2 ;;
    --days=*) days="${1#*=}"; shift ;;
    --force) force=true; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "dev-certs.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

# DNS-1035 labels, as a Service name and a namespace must be.
label='^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$'
[[ "$service" =~ $label ]] || { echo "dev-certs.sh: '$service' is not a valid Service name" >&2; exit 2; }
[[ "$namespace" =~ $label ]] || { echo "dev-certs.sh: '$namespace' is not a valid namespace name" >&2; exit 2; }
[[ "$days" =~ ^[1-9][0-9]*$ ]] || { echo "dev-certs.sh: --days must be a positive integer, found '$days'" >&2; exit 2; }
command -v openssl >/dev/null || { echo "dev-certs.sh: openssl is not installed" >&2; exit 2; }

mkdir -p "$out"
umask 077
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if [ "$force" = true ] || [ ! -s "$out/ca.crt" ] || [ ! -s "$out/ca.key" ]; then
  openssl ecparam -name prime256v1 -genkey -noout -out "$work/ca.key"
  openssl req -x509 -new -key "$work/ca.key" -sha256 -days 3650 \
    -subj "/O=rollout-deadline-guard development/CN=rollout-deadline-guard development CA" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" \
    -out "$work/ca.crt"
  mv "$work/ca.key" "$out/ca.key"
  mv "$work/ca.crt" "$out/ca.crt"
  echo "dev-certs.sh: new development CA in $out/ca.crt"
else
  echo "dev-certs.sh: reusing the development CA in $out/ca.crt (--force for a new one)"
fi

fqdn="$service.$namespace.svc"
cat > "$work/leaf.ext" <<EXT
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:$service, DNS:$service.$namespace, DNS:$fqdn, DNS:$fqdn.cluster.local, DNS:localhost, IP:127.0.0.1, IP:::1
EXT

openssl ecparam -name prime256v1 -genkey -noout -out "$work/tls.key"
# The subject names the bare Service (a DNS label, at most 63 characters): SERVICE.NAMESPACE.svc can exceed the
# 64 characters X.509 allows a common name (openssl then refuses it); clients check the subjectAltName only.
openssl req -new -key "$work/tls.key" -subj "/CN=$service" -out "$work/tls.csr"
openssl x509 -req -in "$work/tls.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" -CAcreateserial \
  -CAserial "$work/ca.srl" -sha256 -days "$days" -extfile "$work/leaf.ext" -out "$work/leaf.crt" 2>/dev/null
openssl verify -CAfile "$out/ca.crt" "$work/leaf.crt" >/dev/null

mv "$work/tls.key" "$out/tls.key"
mv "$work/leaf.crt" "$out/tls.crt"
chmod 600 "$out/tls.key" "$out/ca.key"
chmod 644 "$out/tls.crt" "$out/ca.crt"

echo "dev-certs.sh: serving certificate for $fqdn (and localhost) in $out/tls.crt, key $out/tls.key, valid $days days"
