#!/usr/bin/env bash
# Admission webhook vs floor benchmark: throughput (h2load, HTTP/2 over TLS), p99 latency at a fixed
# 1,000 requests/s (hey -h2 -q), peak RSS (VmHWM). See docs/benchmarks.md for what it measures and why.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: bench/run-admission.sh [options]

Benchmarks the admission webhook against the floor (bench/Floor: the same Kestrel HTTPS stack answering
a fixed "allowed" review) in one invocation, with the ~8 KiB UPDATE review of bench/fixtures. Both servers
run at once on loopback, each with stdout sent to a file (the webhook's per-decision log line is part of
what is measured); the runs alternate between them, round by round, and the summary takes the median.

Per server and round:
  throughput  h2load over HTTP/2 + TLS for H2_SECONDS: -c 4 -m 10 (40 streams in flight), POST ENDPOINT
  latency     hey -h2 -z DURATION -c 10 -q 100 (10 workers x 100/s = 1,000 requests/s), its p99
then peak RSS (VmHWM from /proc/PID/status) of each server after all rounds.

Options:
  -D, --h2-duration S  seconds per h2load throughput run (default 10; warm-up is 5 s per server)
  -r, --rounds N       rounds, alternating servers (default 5; the summary reports the median)
  -z, --duration D     hey duration per latency run (default 20s)
  -e, --endpoint E     mutate, validate or both (default mutate)
  -d, --diagnostics    also measure two webhook variants as extra rows:
                         webhook-quiet    --Serilog:MinimumLevel:Default=Warning (no decision log line)
                         webhook-repocwd  started from the repository root, where appsettings.json is not
                                          found (content root = working directory), as `dotnet
                                          src/Webhook/bin/...` from the checkout would be
  -f, --fixture FILE   the review to send (default bench/fixtures/update-review-8k.json; the webhook must patch it)
  -c, --compare DIR    also measure another build of the webhook, e.g. one of main, as row webhook-compare:
                       DIR is its Release output folder (holding Webhook.dll), started like the webhook
  --quiet-wait S       before each run, wait up to S seconds (default 10; 0: never) for the machine to be
                       quiet: other processes using at most 10% of all CPUs over one second
  --no-pin             do not pin (default: servers on CPU 1, load generators on CPU 0 via taskset)
  --no-build           use the existing Release builds
  --no-install         do not apt-get install missing tools
  --port-base P        first loopback port (default 19443; one port per server)
  -h, --help           this help

Each run also records the server's CPU time per request (/proc/PID/stat) and how much CPU other processes
on the machine took meanwhile ("other %", of all CPUs): a shared machine makes the req/s and p99 noisy, the
CPU time per request much less so.

Writes raw outputs and summary.md under bench/results/<timestamp>/ (git-ignored) and prints the summary.
Needs: dotnet (SDK of global.json), h2load (Debian nghttp2-client), hey, curl, taskset, GNU time, awk.
EOF
}

H2_SECONDS=10
ROUNDS=5
DURATION=20s
ENDPOINTS=(mutate)
DIAGNOSTICS=0
COMPARE_DIR=
FIXTURE_ARG=
PIN=1
BUILD=1
INSTALL=1
PORT_BASE=19443
QUIET_WAIT=10
QUIET_PCT=10
H2_CLIENTS=4
H2_STREAMS=10
HEY_WORKERS=10
HEY_QPS_PER_WORKER=100

while [ $# -gt 0 ]; do
  case "$1" in
    -D|--h2-duration) H2_SECONDS="$2"; shift 2 ;;
    -r|--rounds) ROUNDS="$2"; shift 2 ;;
    -z|--duration) DURATION="$2"; shift 2 ;;
    -e|--endpoint)
      case "$2" in
        mutate|validate) ENDPOINTS=("$2") ;;
        both) ENDPOINTS=(mutate validate) ;;
        *) echo "run-admission.sh: --endpoint must be mutate, validate or both" >&2; exit 2 ;;
      esac
      shift 2 ;;
    -d|--diagnostics) DIAGNOSTICS=1; shift ;;
    -c|--compare) COMPARE_DIR="$(cd "$2" && pwd)"; shift 2 ;;
    -f|--fixture) FIXTURE_ARG="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"; shift 2 ;;
    --quiet-wait) QUIET_WAIT="$2"; shift 2 ;;
    --no-pin) PIN=0; shift ;;
    --no-build) BUILD=0; shift ;;
    --no-install) INSTALL=0; shift ;;
    --port-base) PORT_BASE="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run-admission.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
for n in "$H2_SECONDS" "$ROUNDS" "$PORT_BASE" "$QUIET_WAIT"; do
  [[ "$n" =~ ^[0-9]+$ ]] || { echo "run-admission.sh: '$n' is not a number" >&2; exit 2; }
done
[ "$ROUNDS" -ge 1 ] && [ "$ROUNDS" -le 20 ] || { echo "run-admission.sh: --rounds must be 1..20" >&2; exit 2; }

REPO="$(cd "$(dirname "$0")/.." && pwd)"
FIXTURE="${FIXTURE_ARG:-$REPO/bench/fixtures/update-review-8k.json}"
[ -f "$FIXTURE" ] || { echo "run-admission.sh: no fixture $FIXTURE" >&2; exit 2; }
RESULTS="$REPO/bench/results/$(date -u +%Y%m%d-%H%M%S)"
mkdir -p "$RESULTS"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# ---- tools -------------------------------------------------------------------------------------
need_install=()
command -v h2load >/dev/null 2>&1 || need_install+=(nghttp2-client)
command -v hey >/dev/null 2>&1 || need_install+=(hey)
command -v curl >/dev/null 2>&1 || need_install+=(curl)
command -v taskset >/dev/null 2>&1 || need_install+=(util-linux)
[ -x /usr/bin/time ] || need_install+=(time)
if [ ${#need_install[@]} -gt 0 ]; then
  if [ "$INSTALL" -eq 0 ]; then
    echo "run-admission.sh: missing ${need_install[*]} (install them, or drop --no-install)" >&2; exit 2
  fi
  log "installing ${need_install[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_install[@]}" >/dev/null
fi
if [ "$PIN" -eq 1 ] && [ "$(nproc)" -lt 2 ]; then
  log "fewer than 2 CPUs: not pinning"; PIN=0
fi
SERVER_PIN=(); LOAD_PIN=()
if [ "$PIN" -eq 1 ]; then SERVER_PIN=(taskset -c 1); LOAD_PIN=(taskset -c 0); fi

# ---- build -------------------------------------------------------------------------------------
WEBHOOK_DIR="$REPO/src/Webhook/bin/Release/net10.0"
FLOOR_DIR="$REPO/bench/Floor/bin/Release/net10.0"
if [ "$BUILD" -eq 1 ]; then
  log "building webhook and floor (Release)"
  dotnet build "$REPO/src/Webhook/Webhook.csproj" -c Release -nologo -v q >"$RESULTS/build-webhook.log" 2>&1 \
    || { cat "$RESULTS/build-webhook.log" >&2; exit 1; }
  dotnet build "$REPO/bench/Floor/Floor.csproj" -c Release -nologo -v q >"$RESULTS/build-floor.log" 2>&1 \
    || { cat "$RESULTS/build-floor.log" >&2; exit 1; }
fi
[ -f "$WEBHOOK_DIR/Webhook.dll" ] && [ -f "$FLOOR_DIR/Floor.dll" ] || { echo "run-admission.sh: builds missing (drop --no-build)" >&2; exit 1; }

# ---- servers -----------------------------------------------------------------------------------
# name | working directory | command line (port appended as --urls)
TARGETS=(floor webhook)
declare -A CWD CMD PORT PID READY
CWD[floor]="$FLOOR_DIR";   CMD[floor]="dotnet Floor.dll";            READY[floor]=post
CWD[webhook]="$WEBHOOK_DIR"; CMD[webhook]="dotnet Webhook.dll serve"; READY[webhook]=readyz
if [ -n "$COMPARE_DIR" ]; then
  [ -f "$COMPARE_DIR/Webhook.dll" ] || { echo "run-admission.sh: no Webhook.dll in $COMPARE_DIR" >&2; exit 2; }
  TARGETS+=(webhook-compare)
  CWD[webhook-compare]="$COMPARE_DIR"; CMD[webhook-compare]="dotnet Webhook.dll serve"; READY[webhook-compare]=readyz
fi
if [ "$DIAGNOSTICS" -eq 1 ]; then
  TARGETS+=(webhook-quiet webhook-repocwd)
  CWD[webhook-quiet]="$WEBHOOK_DIR"; CMD[webhook-quiet]="dotnet Webhook.dll serve --Serilog:MinimumLevel:Default=Warning"; READY[webhook-quiet]=readyz
  CWD[webhook-repocwd]="$REPO"; CMD[webhook-repocwd]="dotnet src/Webhook/bin/Release/net10.0/Webhook.dll serve"; READY[webhook-repocwd]=readyz
fi

stop_servers() {
  local name pid
  for name in "${TARGETS[@]}"; do
    pid="${PID[$name]:-}"
    [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null || true
  done
  for name in "${TARGETS[@]}"; do
    pid="${PID[$name]:-}"
    [ -z "$pid" ] && continue
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
}
trap stop_servers EXIT
trap 'exit 130' INT TERM

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

i=0
for name in "${TARGETS[@]}"; do
  PORT[$name]=$((PORT_BASE + i)); i=$((i + 1))
  if port_busy "${PORT[$name]}"; then echo "run-admission.sh: port ${PORT[$name]} is in use (see --port-base)" >&2; exit 1; fi
  # shellcheck disable=SC2086 # CMD holds a word list on purpose
  (cd "${CWD[$name]}" && exec "${SERVER_PIN[@]}" ${CMD[$name]} --urls "https://127.0.0.1:${PORT[$name]}" \
    >"$RESULTS/$name.stdout.log" 2>"$RESULTS/$name.stderr.log") &
  PID[$name]=$!
  # a shell may fork instead of exec: measure the dotnet process itself
  for _ in $(seq 1 20); do
    [ "$(cat "/proc/${PID[$name]}/comm" 2>/dev/null)" = dotnet ] && break
    child=$(pgrep -P "${PID[$name]}" -x dotnet || true)
    if [ -n "$child" ]; then PID[$name]=$child; break; fi
    sleep 0.1
  done
  log "started $name (pid ${PID[$name]}) on https://127.0.0.1:${PORT[$name]} in ${CWD[$name]}"
done

wait_ready() {
  local name="$1" url="https://127.0.0.1:${PORT[$1]}" code
  for _ in $(seq 1 120); do
    kill -0 "${PID[$name]}" 2>/dev/null || { echo "run-admission.sh: $name exited; see $RESULTS/$name.*.log" >&2; exit 1; }
    if [ "${READY[$name]}" = readyz ]; then
      code=$(curl -sk -o /dev/null -w '%{http_code}' --max-time 2 "$url/readyz" || true)
    else
      code=$(curl -sk -o /dev/null -w '%{http_code}' --max-time 2 -H 'content-type: application/json' \
        --data-binary @"$FIXTURE" "$url/mutate" || true)
    fi
    [ "$code" = 200 ] && return 0
    sleep 0.5
  done
  echo "run-admission.sh: $name not ready after 60 s" >&2; exit 1
}
for name in "${TARGETS[@]}"; do wait_ready "$name"; done
log "all servers ready"

# Sanity: the webhook must answer the fixture with a patch (the path being measured), the floor with allowed.
for name in "${TARGETS[@]}"; do
  curl -sk --http2 -H 'content-type: application/json' --data-binary @"$FIXTURE" \
    "https://127.0.0.1:${PORT[$name]}/mutate" >"$RESULTS/$name.sample-mutate.json"
done
grep -q '"patchType":"JSONPatch"' "$RESULTS/webhook.sample-mutate.json" \
  || { echo "run-admission.sh: the webhook did not patch the fixture: $(cat "$RESULTS/webhook.sample-mutate.json")" >&2; exit 1; }

HZ=$(getconf CLK_TCK)
NCPU=$(nproc)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
machine_ticks() { awk '$1 == "cpu" {print $2 + $3 + $4 + $7 + $8}' /proc/stat; }
now_ms() { date +%s%3N; }
# other % = CPU used by everything but the server and the load generator, as a share of all CPUs
other_pct() { # machine_ticks server_ticks loadgen_seconds wall_ms
  awk -v m="$1" -v s="$2" -v l="$3" -v w="$4" -v hz="$HZ" -v n="$NCPU" \
    'BEGIN { o = (m - s) / hz - l; if (o < 0) o = 0; printf "%.0f", (w > 0 ? 100 * o / (w / 1000 * n) : 0) }'
}
wait_quiet() { # bounded by QUIET_WAIT seconds
  local waited=0 m0 m1 pct
  while true; do
    m0=$(machine_ticks); sleep 1; m1=$(machine_ticks)
    pct=$(( (m1 - m0) * 100 / (HZ * NCPU) ))
    [ "$pct" -le "$QUIET_PCT" ] && return 0
    if [ "$waited" -ge "$QUIET_WAIT" ]; then
      log "machine still busy (${pct}% of all CPUs used by others) after ${waited} s; measuring anyway"; return 0
    fi
    sleep 2; waited=$((waited + 3))
  done
}
loadgen_seconds() { awk '{print $1 + $2}' "$1" 2>/dev/null || echo 0; }
status_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }

h2load_run() { # name endpoint seconds outfile
  local url="https://127.0.0.1:${PORT[$1]}/$2"
  timeout $(($3 + 60)) /usr/bin/time -f '%U %S' -o "$4.time" "${LOAD_PIN[@]}" h2load -D "$3" -c "$H2_CLIENTS" -m "$H2_STREAMS" \
    -H 'content-type: application/json' -d "$FIXTURE" "$url" >"$4" 2>&1 || true
}

hey_run() { # name endpoint outfile
  local url="https://127.0.0.1:${PORT[$1]}/$2"
  timeout 300 /usr/bin/time -f '%U %S' -o "$3.time" "${LOAD_PIN[@]}" hey -h2 -z "$DURATION" -c "$HEY_WORKERS" \
    -q "$HEY_QPS_PER_WORKER" -m POST -T application/json -D "$FIXTURE" "$url" >"$3" 2>&1 || true
}

# ---- warm-up -----------------------------------------------------------------------------------
log "warming up (JIT tiering): 5 s of h2load per server and endpoint"
for ep in "${ENDPOINTS[@]}"; do
  for name in "${TARGETS[@]}"; do h2load_run "$name" "$ep" 5 "$RESULTS/$name.$ep.warmup.h2load.txt"; done
done

# ---- measurements ------------------------------------------------------------------------------
TSV="$RESULTS/runs.tsv"
printf 'round\tserver\tendpoint\th2load_rps\th2load_ok\th2load_total\tcpu_us_per_req\th2load_other_pct\they_rps\they_p50_ms\they_p99_ms\they_200\they_total\they_other_pct\n' >"$TSV"
for round in $(seq 1 "$ROUNDS"); do
  for ep in "${ENDPOINTS[@]}"; do
    # alternate the order each round so that neither server always runs first
    order=("${TARGETS[@]}")
    if [ $((round % 2)) -eq 0 ]; then order=(); for ((k=${#TARGETS[@]}-1; k>=0; k--)); do order+=("${TARGETS[k]}"); done; fi
    for name in "${order[@]}"; do
      out="$RESULTS/$name.$ep.r$round.h2load.txt"
      log "round $round/$ROUNDS $ep $name: h2load -D $H2_SECONDS"
      wait_quiet
      before=$(cpu_ticks "${PID[$name]}"); m0=$(machine_ticks); t0=$(now_ms)
      h2load_run "$name" "$ep" "$H2_SECONDS" "$out"
      after=$(cpu_ticks "${PID[$name]}"); m1=$(machine_ticks); t1=$(now_ms)
      rps=$(grep -oP 'finished in [0-9.]+m?s, \K[0-9.]+(?= req/s)' "$out" || echo 0)
      total=$(grep -oP '^requests: \K[0-9]+(?= total)' "$out" || echo 0)
      ok=$(grep -oP '^requests: .* \K[0-9]+(?= succeeded)' "$out" || echo 0)
      s2xx=$(grep -oP '^status codes: \K[0-9]+(?= 2xx)' "$out" || echo 0)
      [ "$s2xx" -lt "$ok" ] && ok="$s2xx"
      cpu_us=$(awk -v d=$((after - before)) -v n="$ok" -v hz="$HZ" 'BEGIN { if (n > 0) printf "%.1f", d / hz * 1e6 / n; else print 0 }')
      h2other=$(other_pct $((m1 - m0)) $((after - before)) "$(loadgen_seconds "$out.time")" $((t1 - t0)))

      hout="$RESULTS/$name.$ep.r$round.hey.txt"
      log "round $round/$ROUNDS $ep $name: hey -z $DURATION at $((HEY_WORKERS * HEY_QPS_PER_WORKER))/s"
      wait_quiet
      before=$(cpu_ticks "${PID[$name]}"); m0=$(machine_ticks); t0=$(now_ms)
      hey_run "$name" "$ep" "$hout"
      after=$(cpu_ticks "${PID[$name]}"); m1=$(machine_ticks); t1=$(now_ms)
      heyother=$(other_pct $((m1 - m0)) $((after - before)) "$(loadgen_seconds "$hout.time")" $((t1 - t0)))
      hrps=$(grep -oP 'Requests/sec:\s+\K[0-9.]+' "$hout" || echo 0)
      p50=$(grep -oP '^\s+50% in \K[0-9.]+' "$hout" | awk '{printf "%.2f", $1 * 1000}' || true)
      p99=$(grep -oP '^\s+99% in \K[0-9.]+' "$hout" | awk '{printf "%.2f", $1 * 1000}' || true)
      h200=$(grep -oP '\[200\]\s+\K[0-9]+' "$hout" || echo 0)
      htotal=$(awk '/Status code distribution:/ {f=1; next} f && /\[[0-9]+\]/ {s += $2} END {print s + 0}' "$hout")
      herr=$(awk '/Error distribution:/ {f=1; next} f && /\[[0-9]+\]/ {gsub(/[][]/, "", $1); s += $1} END {print s + 0}' "$hout")
      htotal=$((htotal + herr))
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$name" "$ep" "$rps" "$ok" "$total" "$cpu_us" \
        "$h2other" "$hrps" "${p50:-0}" "${p99:-0}" "$h200" "$htotal" "$heyother" >>"$TSV"
    done
  done
done

# ---- memory, logs ------------------------------------------------------------------------------
declare -A HWM RSS
for name in "${TARGETS[@]}"; do
  HWM[$name]=$(status_kb "${PID[$name]}" VmHWM)
  RSS[$name]=$(status_kb "${PID[$name]}" VmRSS)
  cp "/proc/${PID[$name]}/status" "$RESULTS/$name.proc-status.txt"
done

# ---- summary -----------------------------------------------------------------------------------
median() { sort -g | awk '{a[NR] = $1} END {if (NR == 0) {print 0} else if (NR % 2) {print a[(NR + 1) / 2]} else {print (a[NR / 2] + a[NR / 2 + 1]) / 2}}'; }
col() { # server endpoint column-number
  awk -F'\t' -v s="$1" -v e="$2" -v c="$3" 'NR > 1 && $2 == s && $3 == e {print $c}' "$TSV" | median
}
pin_note="unpinned (servers and load generators share both CPUs)"
[ "$PIN" -eq 1 ] && pin_note="servers pinned to CPU 1, load generators to CPU 0 (taskset)"

SUMMARY="$RESULTS/summary.md"
{
  echo "Admission benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ), $NCPU CPUs, $pin_note"
  echo "fixture $(basename "$FIXTURE") $(wc -c <"$FIXTURE") bytes; h2load -D $H2_SECONDS -c $H2_CLIENTS -m $H2_STREAMS; hey -h2 -z $DURATION -c $HEY_WORKERS -q $HEY_QPS_PER_WORKER; median of $ROUNDS rounds"
  echo
  for ep in "${ENDPOINTS[@]}"; do
    f_rps=$(col floor "$ep" 4); f_p99=$(col floor "$ep" 11); f_hwm=${HWM[floor]}
    echo "POST /$ep"
    echo
    f_cpu=$(col floor "$ep" 7)
    echo "| server | req/s (h2load) | vs floor (>= 0.8x) | server CPU us/req | vs floor (<= 1.5x) | p99 ms at 1000/s | vs floor (<= 1.25x) | p50 ms | achieved req/s (hey) | peak RSS MiB | vs floor (<= 1.3x) | failed | other % max (h2load/hey) |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    for name in "${TARGETS[@]}"; do
      rps=$(col "$name" "$ep" 4); cpu=$(col "$name" "$ep" 7); p50=$(col "$name" "$ep" 10); p99=$(col "$name" "$ep" 11); hrps=$(col "$name" "$ep" 9)
      stats=$(awk -F'\t' -v s="$name" -v e="$ep" 'NR > 1 && $2 == s && $3 == e {
          f += ($6 - $5) + ($13 - $12); if ($8 > o1) o1 = $8; if ($14 > o2) o2 = $14 }
        END {printf "%d %d/%d", f, o1, o2}' "$TSV")
      awk -v n="$name" -v rps="$rps" -v frps="$f_rps" -v cpu="$cpu" -v fcpu="$f_cpu" -v p99="$p99" -v fp99="$f_p99" -v p50="$p50" -v hrps="$hrps" \
          -v hwm="${HWM[$name]}" -v fhwm="$f_hwm" -v stats="$stats" 'BEGIN {
        split(stats, st, " ")
        rr = frps > 0 ? rps / frps : 0; pr = fp99 > 0 ? p99 / fp99 : 0; mr = fhwm > 0 ? hwm / fhwm : 0; cr = fcpu > 0 ? cpu / fcpu : 0
        if (n == "floor") { r1 = "1.00x"; r2 = "1.00x"; r3 = "1.00x"; r4 = "1.00x" }
        else {
          r1 = sprintf("%.2fx %s", rr, rr >= 0.8 ? "met" : "MISSED")
          r4 = sprintf("%.2fx %s", cr, cr <= 1.5 ? "met" : "MISSED")
          r2 = sprintf("%.2fx %s", pr, pr <= 1.25 ? "met" : "MISSED")
          r3 = sprintf("%.2fx %s", mr, mr <= 1.3 ? "met" : "MISSED")
        }
        printf "| %s | %.0f | %s | %.0f | %s | %.2f | %s | %.2f | %.0f | %.1f | %s | %d | %s |\n", n, rps, r1, cpu, r4, p99, r2, p50, hrps, hwm / 1024, r3, st[1], st[2]
      }'
    done
    echo
    # On a shared machine the rounds differ a lot; the ratio within a round (servers measured back to back) is steadier.
    for name in "${TARGETS[@]}"; do
      [ "$name" = floor ] && continue
      awk -F'\t' -v s="$name" -v e="$ep" 'NR > 1 && $3 == e && $2 == "floor" {fr[$1] = $4; fp[$1] = $11; fc[$1] = $7}
        NR > 1 && $3 == e && $2 == s {wr[$1] = $4; wp[$1] = $11; wc[$1] = $7}
        END {
          line = "per-round " s " / floor:"
          for (r = 1; r in wr; r++) if (r in fr && fr[r] > 0 && fp[r] > 0 && wc[r] > 0)
            line = line sprintf(" r%d req/s %.2fx, p99 %.2fx, CPU/req %.2fx;", r, wr[r] / fr[r], wp[r] / fp[r], wc[r] / fc[r])
          print line
        }' "$TSV"
    done
    echo
  done
  echo "Peak RSS is VmHWM after all runs (all measured endpoints). \"other %\" is the CPU that processes other than"
  echo "the server and the load generator used during a run, as a share of all CPUs (noise from a shared machine)."
  echo "Log volume: $(for name in "${TARGETS[@]}"; do printf '%s %s lines / %s bytes; ' "$name" "$(wc -l <"$RESULTS/$name.stdout.log")" "$(wc -c <"$RESULTS/$name.stdout.log")"; done)"
  echo "Raw outputs: ${RESULTS#"$REPO"/}/ (runs.tsv has every round)"
} >"$SUMMARY"
cat "$SUMMARY"
