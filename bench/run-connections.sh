#!/usr/bin/env bash
# Memory of the admission server under many busy TLS connections (issue 13, item 3): RSS before, peak during and
# after h2load drives CONNS connections (HTTP/1.1 or HTTP/2) posting a real review, and the answers by status.
# Usage: bench/run-connections.sh [--conns N] [--requests N] [--h2] [--max-connections N] [--no-build] [--dll PATH]
# (--dll: another build of the program, e.g. main's, to compare)
# Needs h2load (Debian: apt-get install -y nghttp2-client). See docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
CONNS=2000; REQUESTS=20000; PROTO=--h1; MAXCONN=""; BUILD=1; DLL=src/Webhook/bin/Release/net10.0/Webhook.dll
while [ $# -gt 0 ]; do
  case "$1" in
    --conns) CONNS="$2"; shift 2 ;;
    --requests) REQUESTS="$2"; shift 2 ;;
    --h2) PROTO=""; shift ;;
    --max-connections) MAXCONN="$2"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --dll) DLL="$2"; BUILD=0; shift 2 ;;
    *) echo "run-connections.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
command -v h2load >/dev/null || { echo "run-connections.sh: h2load missing (apt-get install -y nghttp2-client)" >&2; exit 2; }
[ "$BUILD" = 1 ] && dotnet build src/Webhook/Webhook.csproj -c Release -nologo -v q >/dev/null
PID=""; TMP="$(mktemp -d)"; trap 'kill "$PID" 2>/dev/null || true; rm -rf "$TMP"' EXIT
PORT=$((20000 + RANDOM % 20000))
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
args=(--urls "https://127.0.0.1:$PORT")
[ -n "$MAXCONN" ] && args+=("--Server:MaxConnections=$MAXCONN")
DOTNET_gcServer=0 dotnet "$DLL" "${args[@]}" >"$TMP/webhook.log" 2>&1 &
PID=$!
for _ in $(seq 1 200); do curl -sk -o /dev/null "https://127.0.0.1:$PORT/healthz" && break; sleep 0.1; done
rss() { awk '/^VmRSS/ {print int($2/1024)}' "/proc/$PID/status"; }
hwm() { awk '/^VmHWM/ {print int($2/1024)}' "/proc/$PID/status"; }
cpu() { awk '{print ($14+$15)/100}' "/proc/$PID/stat"; }
# A review of the chart's kind (8.6 KiB UPDATE with history), as in the admission benchmark.
BODY=bench/fixtures/update-review-8k.json
echo "uptime: $(uptime)"
echo "program $DLL"
echo "connections $CONNS, requests $REQUESTS, protocol ${PROTO:-h2}, Server:MaxConnections ${MAXCONN:-default}"
for _ in 1 2 3 4 5; do curl -sk -o /dev/null -H 'Content-Type: application/json' --data-binary @"$BODY" "https://127.0.0.1:$PORT/validate"; done
echo "RSS before: $(rss) MiB (CPU $(cpu) s)"
h2load $PROTO -n "$REQUESTS" -c "$CONNS" -m 1 -t 2 -d "$BODY" -H 'Content-Type: application/json' "https://127.0.0.1:$PORT/validate" >"$TMP/h2load.txt" 2>&1 || true
grep -E "^requests:|^status codes:|^finished in|^traffic:" "$TMP/h2load.txt"
echo "RSS right after: $(rss) MiB, peak (VmHWM): $(hwm) MiB (CPU $(cpu) s)"
sleep 30
echo "RSS 30 s after: $(rss) MiB"
grep -c '"@l":"Error"' "$TMP/webhook.log" | sed 's/^/Error events in the log: /' || true
