#!/usr/bin/env bash
# Reconciler benchmark: `webhook reconcile` against bench/FakeApi serving N Rollouts. Time from process
# start to the first full judgement, peak RSS, CPU while nothing is due, optionally inside a cgroup-v1 memory
# group at the chart's memory limit and with two Rollouts falling due after ready. See docs/benchmarks.md.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: bench/run-reconciler.sh [options]

Starts bench/FakeApi (a fake Kubernetes API server generating N Rollouts of about 9.5 KiB before it listens:
kubectl's last-applied-configuration, managedFields, a 10-entry revision history; ~60% healthy, ~20%
progressing within a deadline at least 25 minutes away, ~10% paused, ~10% canary at a pause step; served in
pages as the API server serves them), then runs, from the repository root, with the environment and
arguments the chart's container gets (the Dockerfile's DOTNET_EnableDiagnostics=0, ASPNETCORE_HTTP_PORTS=
and TMPDIR=/tmp, the base image's DOTNET_RUNNING_IN_CONTAINER=true, the chart's POD_NAME/POD_NAMESPACE and
its default policy file; no Lease: the fake serves none),

  KUBECONFIG=<temporary kubeconfig> dotnet src/Webhook/bin/Release/net10.0/Webhook.dll reconcile \
    --urls http://127.0.0.1:PORT2 --policy <chart default policy> --Reconciler:DryRun=false \
    --Reconciler:GraceSeconds=30 --Reconciler:RepairStaleScaleDownDeadline=false \
    --Reconciler:LeaderElection=false                                       (stdout to a log file)

With --cgroup-mib M (as root, cgroup v1) the reconciler runs in its own memory group limited to M MiB, as the
kubelet runs a container with that memory limit (the .NET runtime sizes its heap limit from it); the group's
peak (memory.max_usage_in_bytes), failures to charge (memory.failcnt) and OOM kills are reported. As in a
fresh container, the files it runs from are its own: the .NET runtime and the app are copied to a temporary
folder and dropped from the page cache (dd iflag=nocache), so that the pages it maps are charged to its group
(the shared copies in /usr/share/dotnet are already cached by other processes and would not be).

With --due-checks, two Rollouts fall due after the reconciler is ready: one already listed, due by its own
timer (at a fixed time after the idle window), and one made due by a MODIFIED watch event sent after the idle
window (POST /fake/make-due). The fake records when each was aborted: "aborted ... ms after due".

and measures, per run:
  ready        wall-clock from launching the process until GET /readyz answers 200 (polled every 50 ms,
               at most 60 s), and the phases inside it from the log: host started, Rollouts listed
               (event 100), all judged (event 120, whose own ElapsedMs is the judging alone); also the
               CPU time the process used until then (less sensitive than wall-clock to a busy machine)
  peak RSS     VmHWM from /proc/PID/status right after ready, and at the end; VmRSS at the end
  idle CPU     utime+stime from /proc/PID/stat at ready+SETTLE s and IDLE s later, as CPU seconds per
               minute and % of one core; the same from the threads' schedstat run time (ns resolution),
               and how busy the rest of the machine was meanwhile
then checks that nothing was due: no exceeded verdict, no action, no Event or other write at the fake
(with --due-checks: exactly the two aborts and their two Events).

Options:
  -n, --rollouts N        Rollouts served by the fake (default 10000)
  -r, --runs N            runs, each with a fresh fake and reconciler (default 3; the summary reports
                          the median and the range)
  -i, --idle-seconds S    idle CPU window (default 60)
  -s, --settle-seconds S  wait after ready before the idle window starts (default 5)
  -e, --env NAME=VALUE    extra environment for the reconciler, repeatable (experiments, e.g.
                          --env DOTNET_gcServer=0); recorded in the summary
  -a, --arg ARG           extra argument for `webhook reconcile`, repeatable
  -l, --label TEXT        name of this configuration in the summary (default: baseline, or the --env list)
  -p, --port-base P       fake API on P, reconciler on P+1 (default 18480)
  --seed S                the fake's generator seed (default 42)
  --extra-env N           N more environment variables in each Rollout's pod template, for larger objects
                          (each adds about 140 bytes: the template and kubectl's last-applied copy)
  --webhook-dir DIR       run Webhook.dll from DIR instead of src/Webhook/bin/Release/net10.0 (a saved
                          build, to compare two versions turn by turn); implies nothing about building
  --cgroup-mib M           run the reconciler in a cgroup-v1 memory group limited to M MiB (the chart's
                          default limit is 256); needs root and a writable /sys/fs/cgroup/memory
  --due-checks            two Rollouts fall due after ready (by timer, by watch event): measure how long
                          after due each is aborted; the checks then expect exactly these two aborts
  --ready-limit S         give up when not ready after S seconds (default 60)
  --no-build              use the existing Release builds
  -h, --help              this help

Writes the logs and summary.md under bench/results/<timestamp>-reconciler/ (git-ignored) and prints the
summary. Needs: dotnet (the SDK of global.json), curl, awk, sed, bash with /dev/tcp.
EOF
}

ROLLOUTS=10000
RUNS=3
IDLE=60
SETTLE=5
PORT_BASE=18480
SEED=42
EXTRA_ENV_VARS=0
BUILD=1
LABEL=""
EXTRA_ENV=()
EXTRA_ARGS=()
READY_LIMIT_S=60
WEBHOOK_DIR=""
POLL_S=0.05
CGROUP_MIB=0
DUE_CHECKS=0

while [ $# -gt 0 ]; do
  case "$1" in
    -n|--rollouts) ROLLOUTS="$2"; shift 2 ;;
    -r|--runs) RUNS="$2"; shift 2 ;;
    -i|--idle-seconds) IDLE="$2"; shift 2 ;;
    -s|--settle-seconds) SETTLE="$2"; shift 2 ;;
    -e|--env) EXTRA_ENV+=("$2"); shift 2 ;;
    -a|--arg) EXTRA_ARGS+=("$2"); shift 2 ;;
    -l|--label) LABEL="$2"; shift 2 ;;
    -p|--port-base) PORT_BASE="$2"; shift 2 ;;
    --seed) SEED="$2"; shift 2 ;;
    --extra-env) EXTRA_ENV_VARS="$2"; shift 2 ;;
    --webhook-dir) WEBHOOK_DIR="$2"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --cgroup-mib) CGROUP_MIB="$2"; shift 2 ;;
    --due-checks) DUE_CHECKS=1; shift ;;
    --ready-limit) READY_LIMIT_S="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run-reconciler.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
for n in "$ROLLOUTS" "$RUNS" "$IDLE" "$SETTLE" "$PORT_BASE" "$SEED" "$CGROUP_MIB" "$READY_LIMIT_S" "$EXTRA_ENV_VARS"; do
  [[ "$n" =~ ^[0-9]+$ ]] || { echo "run-reconciler.sh: $n is not a whole number" >&2; exit 2; }
done
if [ "$RUNS" -lt 1 ] || [ "$RUNS" -gt 20 ]; then echo "run-reconciler.sh: --runs must be 1..20" >&2; exit 2; fi
CGROUP=""
if [ "$CGROUP_MIB" -gt 0 ]; then
  [ "$(id -u)" = 0 ] && [ -w /sys/fs/cgroup/memory ] || { echo "run-reconciler.sh: --cgroup-mib needs root and a writable cgroup-v1 /sys/fs/cgroup/memory" >&2; exit 2; }
  CGROUP="/sys/fs/cgroup/memory/deadline-guard-bench-$$"
fi
if [ -z "$LABEL" ]; then
  if [ ${#EXTRA_ENV[@]} -gt 0 ] || [ ${#EXTRA_ARGS[@]} -gt 0 ]; then LABEL="${EXTRA_ENV[*]:-} ${EXTRA_ARGS[*]:-}"; LABEL="${LABEL# }"; else LABEL="baseline"; fi
fi

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
FAKE_DLL="bench/FakeApi/bin/Release/net10.0/FakeApi.dll"
WEBHOOK_DLL="${WEBHOOK_DIR:-src/Webhook/bin/Release/net10.0}/Webhook.dll"
FAKE_PORT="$PORT_BASE"
RECON_PORT=$((PORT_BASE + 1))
OUT="bench/results/$(date -u +%Y%m%d-%H%M%S)-reconciler"
mkdir -p "$OUT"
TMP="$(mktemp -d)"
HZ="$(getconf CLK_TCK)"

FAKE_PID=""
RECON_PID=""
stop_pid() { # TERM, up to 10 s, then KILL; only a process this script started
  local pid="$1"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  stop_pid "$RECON_PID"; RECON_PID=""
  stop_pid "$FAKE_PID"; FAKE_PID=""
  [ -n "$CGROUP" ] && [ -d "$CGROUP" ] && rmdir "$CGROUP" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }
# The group's memory that cannot be reclaimed (anonymous and shared memory; not the page cache of files, which the
# kernel drops before it kills anything): sampled while polling, its maximum kept in anon_peak (bytes).
sample_anon() {
  [ -n "$CGROUP" ] || return 0
  local a
  a=$(awk '$1 == "total_rss" || $1 == "total_shmem" {s += $2} END {print s + 0}' "$CGROUP/memory.stat")
  [ "$a" -gt "$anon_peak" ] && anon_peak=$a
  return 0
}
now_ns() { date +%s%N; }

# GET path on a loopback port through bash's /dev/tcp (no process per poll); prints the status code or 000.
http_code() {
  local port="$1" path="$2" line="" code="000"
  if { exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null; then
    printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$path" >&3 2>/dev/null || true
    if IFS= read -r -t 2 line <&3; then code="$(echo "$line" | awk '{print $2}')"; fi
    exec 3<&- 3>&-
  fi
  echo "${code:-000}"
}

proc_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# Per-thread run time in ns (schedstat), "tid ns" lines: the window's CPU is the sum of each thread's growth
# (a thread that exits within the window loses its share, so it is a floor).
proc_threads_ns() { for t in /proc/"$1"/task/*; do echo "${t##*/} $(cut -d' ' -f1 "$t/schedstat" 2>/dev/null || echo 0)"; done; }
threads_delta_ns() { awk 'NR == FNR {a[$1] = $2; next} {d = $2 - ($1 in a ? a[$1] : 0); if (d > 0) s += d} END {printf "%.0f\n", s}' "$1" "$2"; }
status_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
machine_busy_ticks() { awk '$1 == "cpu" {print $2 + $3 + $4 + $7 + $8}' /proc/stat; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
# A number field of the first log line with this EventId (Serilog compact JSON).
log_field() { { grep -m1 "\"Id\":$2," "$1" || true; } | sed -n "s/.*\"$3\":\([0-9.]*\).*/\1/p"; }
log_time() { { grep -m1 "$2" "$1" || true; } | sed -n 's/^{"@t":"\([^"]*\)".*/\1/p'; }
iso_ns() { [ -n "$1" ] && date -d "$1" +%s%N || echo ""; }
ms_between() { [ -n "$1" ] && [ -n "$2" ] && echo $((($2 - $1) / 1000000)) || echo ""; }

if [ "$BUILD" = 1 ]; then
  log "building FakeApi and the webhook (Release)"
  dotnet build bench/FakeApi/FakeApi.csproj -c Release -nologo -v q >"$OUT/build-fake.log" 2>&1 || { tail -20 "$OUT/build-fake.log"; exit 1; }
  dotnet build src/Webhook/Webhook.csproj -c Release -nologo -v q >"$OUT/build-webhook.log" 2>&1 || { tail -20 "$OUT/build-webhook.log"; exit 1; }
fi
if [ ! -f "$FAKE_DLL" ] || [ ! -f "$WEBHOOK_DLL" ]; then echo "run-reconciler.sh: missing $FAKE_DLL or $WEBHOOK_DLL (drop --no-build)" >&2; exit 1; fi

# The reconciler's own copy of the runtime and the app (with --cgroup-mib), as a container image gives it.
DOTNET_HOST="dotnet"
RUN_DLL="$WEBHOOK_DLL"
if [ -n "$CGROUP" ]; then
  DOTNET_DIR="$(dirname "$(readlink -f "$(command -v dotnet)")")"
  RUNTIME_VERSION="$(dotnet --list-runtimes | awk '/^Microsoft.NETCore.App 10\./ {v=$2} END {print v}')"
  mkdir -p "$TMP/container/dotnet/shared" "$TMP/container/dotnet/host" "$TMP/container/app"
  cp -a "$DOTNET_DIR/dotnet" "$TMP/container/dotnet/"
  cp -a "$DOTNET_DIR/host/fxr" "$TMP/container/dotnet/host/"
  for framework in Microsoft.NETCore.App Microsoft.AspNetCore.App; do
    mkdir -p "$TMP/container/dotnet/shared/$framework"
    cp -a "$DOTNET_DIR/shared/$framework/$RUNTIME_VERSION" "$TMP/container/dotnet/shared/$framework/"
  done
  cp -a "$(dirname "$WEBHOOK_DLL")/." "$TMP/container/app/"
  sync
  DOTNET_HOST="$TMP/container/dotnet/dotnet"
  RUN_DLL="$TMP/container/app/Webhook.dll"
fi
drop_file_cache() { # the copies' pages leave the page cache, to be charged to whoever reads them next
  [ -n "$CGROUP" ] || return 0
  find "$TMP/container" -type f -exec dd if={} iflag=nocache count=0 status=none \;
}

cat >"$TMP/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: fake
  cluster:
    server: http://127.0.0.1:$FAKE_PORT
contexts:
- name: fake
  context:
    cluster: fake
    user: bench
current-context: fake
users:
# KubernetesClient refuses a user without credentials; the fake API ignores the token.
- name: bench
  user:
    token: bench-not-checked
EOF

# The chart's default policy (values.yaml policy:, which is the built-in one), as the ConfigMap mounts it.
cat >"$TMP/policy.yaml" <<EOF
apiVersion: deadline-guard.io/v1
kind: DeadlinePolicy
spec:
  inject: true
  defaults:
    progressDeadlineSeconds: 600
    progressDeadlineAbort: true
  bounds:
    minSeconds: 30
    maxSeconds: 3600
  requireAbort: true
  action: Deny
  exemptions:
    annotation: deadline-guard.io/exempt
    allowedIn: ["sandbox-*"]
    namespaces: ["kube-system"]
  history:
    limit: 10
EOF

{
  echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo) RAM"
  echo "dotnet: SDK $(dotnet --version), runtime $(dotnet --list-runtimes | awk '/Microsoft.NETCore.App/ {v=$2} END {print v}')"
  echo "commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src bench 2>/dev/null || echo ' (with uncommitted changes)')"
  echo "configuration: $LABEL; rollouts $ROLLOUTS (extra env $EXTRA_ENV_VARS); runs $RUNS; settle ${SETTLE}s; idle ${IDLE}s; $WEBHOOK_DLL"
  echo "memory cgroup: $([ -n "$CGROUP" ] && echo "cgroup v1, limit ${CGROUP_MIB} MiB" || echo none); due checks: $([ "$DUE_CHECKS" = 1 ] && echo "by timer and by watch event" || echo none)"
  echo "uptime: $(uptime)"
} >"$OUT/machine.txt"
cat "$OUT/machine.txt" >&2

RESULTS="$OUT/runs.tsv"
printf 'run\tready_ms\tcpu_ready_ms\thost_ms\tlist_ms\tjudge_ms\tjudge_event_ms\tjudge_cpu_ms\thwm_ready_mb\thwm_end_mb\trss_end_mb\tcg_peak_ready_mb\tcg_peak_end_mb\tanon_peak_ready_mb\tanon_peak_end_mb\tcg_failcnt\toom_kills\tidle_cpu_s_per_min\tidle_pct_core\tidle_sched_pct_core\tothers_pct_machine\ttimer_late_ms\twatch_late_ms\tcpu_end_ms\tload_start\tload_end\tverdicts\tpending\tchecks\n' >"$RESULTS"

for port in "$FAKE_PORT" "$RECON_PORT"; do
  if { exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null; then
    exec 3<&- 3>&-
    echo "run-reconciler.sh: port $port is already in use (see --port-base)" >&2
    exit 1
  fi
done

for run in $(seq 1 "$RUNS"); do
  RUN_DIR="$OUT/run$run"
  mkdir -p "$RUN_DIR"
  load_start="$(loadavg)"

  log "run $run/$RUNS: generating $ROLLOUTS Rollouts in the fake API (not timed)"
  # With --due-checks, the listed Rollout due by its timer falls due 10 s after the idle window at the latest.
  timer_due=0
  [ "$DUE_CHECKS" = 1 ] && timer_due=$((READY_LIMIT_S + SETTLE + IDLE + 10))
  dotnet "$FAKE_DLL" --rollouts "$ROLLOUTS" --port "$FAKE_PORT" --seed "$SEED" --extra-env "$EXTRA_ENV_VARS" --timer-due-seconds "$timer_due" >"$RUN_DIR/fake.log" 2>&1 &
  FAKE_PID=$!
  deadline=$(( $(now_ns) + 300 * 1000000000 ))
  until [ "$(http_code "$FAKE_PORT" /fake/stats)" = 200 ]; do
    kill -0 "$FAKE_PID" 2>/dev/null || { cat "$RUN_DIR/fake.log" >&2; exit 1; }
    [ "$(now_ns)" -lt "$deadline" ] || { echo "run-reconciler.sh: the fake API did not answer within 300 s" >&2; exit 1; }
    sleep 0.2
  done
  head -1 "$RUN_DIR/fake.log" >&2

  if [ -n "$CGROUP" ]; then
    drop_file_cache
    mkdir -p "$CGROUP"
    echo $((CGROUP_MIB * 1024 * 1024)) >"$CGROUP/memory.limit_in_bytes"
    echo 0 >"$CGROUP/memory.max_usage_in_bytes" 2>/dev/null || true
  fi

  log "run $run/$RUNS: starting the reconciler ($LABEL)"
  t0=$(now_ns)
  # The process joins the memory group before it execs dotnet, so everything it allocates is charged there.
  env KUBECONFIG="$TMP/kubeconfig" \
    DOTNET_EnableDiagnostics=0 ASPNETCORE_HTTP_PORTS= TMPDIR=/tmp DOTNET_RUNNING_IN_CONTAINER=true \
    POD_NAME=rollout-deadline-guard-reconciler-bench POD_NAMESPACE=deadline-guard \
    ${EXTRA_ENV[@]+"${EXTRA_ENV[@]}"} \
    bash -c 'if [ -n "$1" ]; then echo $$ >"$1/cgroup.procs"; fi; shift; exec "$@"' _ "$CGROUP" \
    "$DOTNET_HOST" "$RUN_DLL" reconcile --urls "http://127.0.0.1:$RECON_PORT" --policy "$TMP/policy.yaml" \
    --Reconciler:DryRun=false --Reconciler:GraceSeconds=30 --Reconciler:RepairStaleScaleDownDeadline=false \
    --Reconciler:LeaderElection=false ${EXTRA_ARGS[@]+"${EXTRA_ARGS[@]}"} \
    >"$RUN_DIR/reconciler.log" 2>&1 &
  RECON_PID=$!

  # The measurement: poll /readyz every 50 ms, for at most READY_LIMIT_S.
  ready_ns=""
  limit=$(( t0 + READY_LIMIT_S * 1000000000 ))
  anon_peak=0
  while [ "$(now_ns)" -lt "$limit" ]; do
    kill -0 "$RECON_PID" 2>/dev/null || break
    sample_anon
    if [ "$(http_code "$RECON_PORT" /readyz)" = 200 ]; then ready_ns=$(now_ns); break; fi
    sleep "$POLL_S"
  done
  if [ -z "$ready_ns" ]; then
    echo "run-reconciler.sh: run $run: /readyz did not answer 200 within ${READY_LIMIT_S} s" >&2
    tail -5 "$RUN_DIR/reconciler.log" >&2
    exit 1
  fi
  ready_ms=$(( (ready_ns - t0) / 1000000 ))
  cpu_ready_ms=$(( $(proc_ticks "$RECON_PID") * 1000 / HZ ))
  hwm_ready=$(status_kb "$RECON_PID" VmHWM)
  cg_ready=""; anon_ready=""
  if [ -n "$CGROUP" ]; then
    cg_ready=$(( $(cat "$CGROUP/memory.max_usage_in_bytes") / 1048576 ))
    anon_ready=$((anon_peak / 1048576))
  fi

  # Phases, from the log's own timestamps (UTC, same clock as t0).
  started_ns=$(iso_ns "$(log_time "$RUN_DIR/reconciler.log" '"Application started')")
  listed_ns=$(iso_ns "$(log_time "$RUN_DIR/reconciler.log" '"Id":100,')")
  judged_ns=$(iso_ns "$(log_time "$RUN_DIR/reconciler.log" '"Id":120,')")
  host_ms=$(ms_between "$t0" "$started_ns")
  list_ms=$(ms_between "$started_ns" "$listed_ns")
  judge_ms=$(ms_between "$listed_ns" "$judged_ns")
  judge_event_ms=$(log_field "$RUN_DIR/reconciler.log" 120 ElapsedMs | cut -d. -f1)
  judge_cpu_ms=$(log_field "$RUN_DIR/reconciler.log" 120 CpuMs | cut -d. -f1)
  log "run $run/$RUNS: ready after ${ready_ms} ms, ${cpu_ready_ms} ms of CPU (host ${host_ms} ms, list ${list_ms} ms, judge ${judge_event_ms} ms by event 120, ${judge_cpu_ms:-?} ms of CPU); VmHWM $((hwm_ready / 1024)) MiB"

  sleep "$SETTLE"
  ticks1=$(proc_ticks "$RECON_PID"); proc_threads_ns "$RECON_PID" >"$RUN_DIR/threads1"; busy1=$(machine_busy_ticks)
  fake1=$(proc_ticks "$FAKE_PID"); w1=$(now_ns)
  log "run $run/$RUNS: idle window of ${IDLE} s"
  sleep "$IDLE"
  ticks2=$(proc_ticks "$RECON_PID"); proc_threads_ns "$RECON_PID" >"$RUN_DIR/threads2"; busy2=$(machine_busy_ticks)
  fake2=$(proc_ticks "$FAKE_PID"); w2=$(now_ns)
  window_s=$(awk -v a="$w1" -v b="$w2" 'BEGIN {printf "%.3f", (b - a) / 1e9}')
  hwm_end=$(status_kb "$RECON_PID" VmHWM); rss_end=$(status_kb "$RECON_PID" VmRSS)

  # After the idle window: a Rollout made due by a watch event, then the one due by its timer.
  timer_late=""; watch_late=""
  if [ "$DUE_CHECKS" = 1 ]; then
    curl -s -X POST "http://127.0.0.1:$FAKE_PORT/fake/make-due" >"$RUN_DIR/make-due.json" || true
    log "run $run/$RUNS: made a Rollout due by a watch event: $(cat "$RUN_DIR/make-due.json")"
    for _ in $(seq 1 $(( (timer_due + 30) * 5 ))); do
      curl -s "http://127.0.0.1:$FAKE_PORT/fake/stats" >"$RUN_DIR/fake-stats.json" || true
      timer_late=$(sed -n 's/.*"timerLatenessMs":\([-0-9.]*\).*/\1/p' "$RUN_DIR/fake-stats.json")
      watch_late=$(sed -n 's/.*"watchLatenessMs":\([-0-9.]*\).*/\1/p' "$RUN_DIR/fake-stats.json")
      [ -n "$timer_late" ] && [ -n "$watch_late" ] && break
      kill -0 "$RECON_PID" 2>/dev/null || break
      sample_anon
      sleep 0.2
    done
    log "run $run/$RUNS: aborted ${watch_late:-never} ms after due by watch event, ${timer_late:-never} ms after due by timer"
  fi
  cpu_end_ms=$(( $(proc_ticks "$RECON_PID") * 1000 / HZ ))
  cg_end=""; cg_failcnt=""; oom_kills=""; anon_end=""
  if [ -n "$CGROUP" ]; then
    sample_anon
    anon_end=$((anon_peak / 1048576))
    cg_end=$(( $(cat "$CGROUP/memory.max_usage_in_bytes") / 1048576 ))
    cg_failcnt=$(cat "$CGROUP/memory.failcnt")
    oom_kills=$(awk '$1 == "oom_kill" {print $2}' "$CGROUP/memory.oom_control")
  fi
  idle=$(awk -v t=$((ticks2 - ticks1)) -v hz="$HZ" -v w="$window_s" 'BEGIN {printf "%.3f\t%.2f", t / hz * 60 / w, t / hz / w * 100}')
  sched_pct=$(awk -v n="$(threads_delta_ns "$RUN_DIR/threads1" "$RUN_DIR/threads2")" -v w="$window_s" 'BEGIN {printf "%.2f", n / 1e9 / w * 100}')
  others=$(awk -v all=$((busy2 - busy1)) -v mine=$((ticks2 - ticks1 + fake2 - fake1)) -v hz="$HZ" -v w="$window_s" -v n="$(nproc)" \
    'BEGIN {o = (all - mine) / hz / w / n * 100; if (o < 0) o = 0; printf "%.0f", o}')
  load_end="$(loadavg)"

  # Nothing may have been due: no exceeded verdict, no action, nothing written at the fake.
  curl -s "http://127.0.0.1:$RECON_PORT/metrics" >"$RUN_DIR/metrics.txt" || true
  curl -s "http://127.0.0.1:$FAKE_PORT/fake/stats" >"$RUN_DIR/fake-stats.json" || true
  verdicts=$({ grep '^deadline_guard_reconciler_verdicts_total' "$RUN_DIR/metrics.txt" || true; } | sed 's/deadline_guard_reconciler_verdicts_total{verdict="\([a-z]*\)",kind="\([a-z]*\)"} /\2-\1=/' | sort | paste -sd, -)
  pending=$(awk '/^deadline_guard_reconciler_pending_deadlines / {print $2}' "$RUN_DIR/metrics.txt")
  checks="ok"
  expected_actions=0
  [ "$DUE_CHECKS" = 1 ] && expected_actions=2
  # Summed over the kind label (deadline, pause).
  exceeded=$(awk '/^deadline_guard_reconciler_verdicts_total\{verdict="exceeded",/ {n += $2} END {print n + 0}' "$RUN_DIR/metrics.txt")
  aborted=$(awk '/^deadline_guard_reconciler_actions_total\{action="Aborted",result="success",/ {n += $2} END {print n + 0}' "$RUN_DIR/metrics.txt")
  [ "${exceeded:-0}" = "$expected_actions" ] || checks="EXCEEDED-VERDICTS-${exceeded:-0}"
  [ "${aborted:-0}" = "$expected_actions" ] || checks="ACTIONS-${aborted:-0}"
  grep -q 'result="failure"' "$RUN_DIR/metrics.txt" && checks="FAILED-ACTIONS"
  grep -q "\"events\":$expected_actions," "$RUN_DIR/fake-stats.json" || checks="EVENTS-POSTED"
  grep -q '"other":0,' "$RUN_DIR/fake-stats.json" || checks="OTHER-REQUESTS"
  grep -q '"lists":1,' "$RUN_DIR/fake-stats.json" || checks="RELISTED"
  grep -q '"watches":1,' "$RUN_DIR/fake-stats.json" || checks="WATCH-RESTARTED"

  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$run" "$ready_ms" "$cpu_ready_ms" "$host_ms" "$list_ms" "$judge_ms" "$judge_event_ms" "${judge_cpu_ms:--}" \
    "$((hwm_ready / 1024))" "$((hwm_end / 1024))" "$((rss_end / 1024))" "${cg_ready:--}" "${cg_end:--}" "${anon_ready:--}" "${anon_end:--}" "${cg_failcnt:--}" "${oom_kills:--}" "$idle" "$sched_pct" "$others" \
    "${timer_late:--}" "${watch_late:--}" "$cpu_end_ms" "$load_start" "$load_end" "$verdicts" "$pending" "$checks" >>"$RESULTS"
  log "run $run/$RUNS: idle $(echo "$idle" | cut -f1) CPU s/min ($(echo "$idle" | cut -f2)% of a core; schedstat ${sched_pct}%), others ${others}% of the machine; RSS $((rss_end / 1024)) MiB; $checks"

  stop_pid "$RECON_PID"; RECON_PID=""
  stop_pid "$FAKE_PID"; FAKE_PID=""
  [ -n "$CGROUP" ] && rmdir "$CGROUP" 2>/dev/null || true
done

# Summary: median and range per column.
summarize() { # column name, header text, unit
  local col
  col=$(head -1 "$RESULTS" | tr '\t' '\n' | grep -nx "$1" | cut -d: -f1)
  tail -n +2 "$RESULTS" | cut -f"$col" | sort -g | awk -v h="$2" '
    {v[NR] = $1}
    END {
      m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
      printf "| %s | %s | %s to %s |\n", h, m, v[1], v[NR]
    }'
}
{
  echo "# Reconciler benchmark: $LABEL"
  echo
  sed 's/^/    /' "$OUT/machine.txt"
  echo
  echo "| measure | median | range |"
  echo "|---|---:|---:|"
  summarize ready_ms "start to /readyz 200 (ms)"
  summarize cpu_ready_ms "  CPU time used until then, utime+stime (ms)"
  summarize host_ms "  start to host started (ms)"
  summarize list_ms "  host started to list done, event 100 (ms)"
  summarize judge_event_ms "  judging, event 120 ElapsedMs (ms)"
  summarize judge_cpu_ms "  judging, CPU time of the loop's thread, event 120 CpuMs (ms)"
  summarize hwm_ready_mb "peak RSS at ready, VmHWM (MiB)"
  summarize hwm_end_mb "peak RSS at the end, VmHWM (MiB)"
  summarize rss_end_mb "RSS at the end, VmRSS (MiB)"
  if [ -n "$CGROUP" ]; then
    summarize cg_peak_ready_mb "memory cgroup peak at ready, max_usage_in_bytes, page cache included (MiB)"
    summarize cg_peak_end_mb "memory cgroup peak at the end (MiB)"
    summarize anon_peak_ready_mb "  of which not reclaimable (rss+shmem, sampled), peak until ready (MiB)"
    summarize anon_peak_end_mb "  of which not reclaimable (rss+shmem, sampled), peak until the end (MiB)"
    summarize cg_failcnt "memory cgroup failcnt (charges refused at the limit)"
  fi
  if [ "$DUE_CHECKS" = 1 ]; then
    summarize watch_late_ms "aborted after due, by watch event (ms)"
    summarize timer_late_ms "aborted after due, by its timer (ms)"
  fi
  summarize cpu_end_ms "CPU time used until the end, utime+stime (ms)"
  summarize idle_cpu_s_per_min "idle CPU, utime+stime (CPU s per min)"
  summarize idle_pct_core "idle CPU (% of one core)"
  summarize idle_sched_pct_core "idle CPU, schedstat (% of one core)"
  summarize others_pct_machine "other processes meanwhile (% of the machine)"
  echo
  echo "Per run:"
  echo
  echo '```'
  column -t -s $'\t' "$RESULTS"
  echo '```'
} >"$OUT/summary.md"
cat "$OUT/summary.md"
echo "results in $OUT" >&2
