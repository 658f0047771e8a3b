#!/usr/bin/env bash
# Manual end-to-end check on a real cluster (kind, in Docker): replays the failure timeline of
# argo-rollouts#3988 and expects Rollout Deadline Guard to abort the revision Argo Rollouts leaves
# "Progressing" forever. Not run by `dotnet test` or CI: it needs Docker, kind, kubectl and helm.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: tests/e2e/kind-e2e.sh [--cluster NAME] [--keep] [--reuse] [--image REF] [--app-image REF]
                             [--node-image REF] [--timeout SECONDS]

Creates a kind cluster, installs Argo Rollouts v1.9.1, builds this repository's image and loads it
into the cluster, installs the chart (selfManaged certificates), checks both certificate Secrets and
every webhook's caBundle, runs `helm test`, then replays the
known failure timeline with a BlueGreen Rollout (progressDeadlineSeconds 60, progressDeadlineAbort true):
  revision 1  good                      -> Healthy
  revision 2  broken (startupProbe fails) -> aborted (by Argo Rollouts itself)
              ... its ReplicaSet is scaled to 0 and keeps a stale scale-down-deadline annotation
  revision 3  good                      -> Healthy
  revision 4  broken                    -> Argo Rollouts v1.9.1 leaves it Progressing forever;
                                           the reconciler must abort it and emit its Event
Then prints the Rollout's recorded history (`webhook history`), uninstalls the chart and checks that no
webhook configuration and no certificate Secret is left.

Options:
  --cluster NAME      kind cluster name (default deadline-guard-e2e)
  --keep              keep the cluster afterwards (default: delete it, also on failure)
  --reuse             use an existing cluster of that name instead of creating one
  --image REF         image to build and load (default rollout-deadline-guard:e2e)
  --app-image REF     the demo application's image (default registry.k8s.io/e2e-test-images/agnhost:2.52)
  --node-image REF    kind node image (Kubernetes 1.30 or later; default: kind's own default)
  --timeout SECONDS   longest wait for any one step (default 300)
  -h, --help          this text

Needs: docker, kind, kubectl, helm 3.14+ (or 4), and network access to pull images and the Argo
Rollouts manifest. Exit codes: 0 the reconciler aborted revision 4, 1 a step failed or timed out,
2 usage or a missing tool.
USAGE
}

cluster="deadline-guard-e2e"
keep=false
reuse=false
image="rollout-deadline-guard:e2e"
app_image="registry.k8s.io/e2e-test-images/agnhost:2.52"
node_image=""
step_timeout=300
argo_version=v1.9.1
release=deadline-guard
release_ns=deadline-guard
ns=deadline-guard-e2e
rollout=demo

while [ $# -gt 0 ]; do
  case "$1" in
    --cluster) cluster="${2:?--cluster needs a value}"; shift 2 ;;
    --keep) keep=true; shift ;;
    --reuse) reuse=true; shift ;;
    --image) image="${2:?--image needs a value}"; shift 2 ;;
    --app-image) app_image="${2:?--app-image needs a value}"; shift 2 ;;
    --node-image) node_image="${2:?--node-image needs a value}"; shift 2 ;;
    --timeout) step_timeout="${2:?--timeout needs a value}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "kind-e2e.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ "$step_timeout" =~ ^[1-9][0-9]*$ ]] || { echo "kind-e2e.sh: --timeout must be a positive integer" >&2; exit 2; }

for tool in docker kind kubectl helm; do
  command -v "$tool" >/dev/null || { echo "kind-e2e.sh: $tool is not installed" >&2; exit 2; }
done

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
context="kind-$cluster"
kc() { kubectl --context "$context" "$@"; }

log() { printf '\n==> %s\n' "$*"; }

# wait_for DESCRIPTION TIMEOUT COMMAND...: polls COMMAND every 5 s until it succeeds or TIMEOUT passes.
wait_for() {
  local what="$1" timeout="$2"
  shift 2
  local until=$((SECONDS + timeout))
  until "$@"; do
    if [ "$SECONDS" -ge "$until" ]; then
      echo "FAIL: timed out after ${timeout}s waiting for $what" >&2
      return 1
    fi
    sleep 5
  done
  echo "ok: $what"
}

field() { kc -n "$ns" get rollout "$rollout" -o "jsonpath=$1" 2>/dev/null; }
is_healthy() { [ "$(field '{.status.phase}')" = Healthy ] && [ "$(field '{.status.abort}')" != true ]; }
is_aborted() { [ "$(field '{.status.abort}')" = true ]; }
rs_scaled_to_zero() { [ "$(kc -n "$ns" get rs "$1" -o 'jsonpath={.spec.replicas}' 2>/dev/null)" = 0 ]; }
guard_events() {
  kc -n "$ns" get events.events.k8s.io -o \
    'jsonpath={range .items[?(@.reportingController=="deadline-guard.io/reconciler")]}{.regarding.name}{"\t"}{.reason}{"\t"}{.action}{"\t"}{.note}{"\n"}{end}'
}
has_guard_abort_event() { guard_events | grep -q "^$rollout	ProgressDeadlineExceeded	Abort"; }

diagnostics() {
  log "diagnostics"
  kc -n "$ns" get rollout "$rollout" -o yaml || true
  kc -n "$ns" get rs -o wide --show-labels || true
  kc -n "$ns" get events.events.k8s.io || true
  kc -n "$release_ns" get pods -o wide || true
  kc -n "$release_ns" logs -l app.kubernetes.io/component=reconciler --tail=100 --prefix || true
  kc -n "$release_ns" logs -l app.kubernetes.io/component=webhook --tail=50 --prefix || true
}

cleanup() {
  local status=$?
  if [ "$status" -ne 0 ]; then
    diagnostics
  fi
  if [ "$keep" = false ] && [ "$reuse" = false ]; then
    kind delete cluster --name "$cluster" >/dev/null 2>&1 || true
  fi
  exit "$status"
}
trap cleanup EXIT

# The demo Rollout at one revision: a good revision's startupProbe hits the port the app listens on;
# a broken one's hits a port nothing listens on, so its pod never starts (and is never restarted).
apply_revision() {
  local revision="$1" probe_port="$2"
  kc apply -f - <<EOF
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: $rollout
  namespace: $ns
spec:
  replicas: 1
  progressDeadlineSeconds: 60
  progressDeadlineAbort: true
  revisionHistoryLimit: 10
  selector:
    matchLabels:
      app: $rollout
  template:
    metadata:
      labels:
        app: $rollout
    spec:
      containers:
        - name: app
          image: $app_image
          args: ["netexec", "--http-port=8080"]
          env:
            - name: REVISION
              value: "$revision"
          ports:
            - containerPort: 8080
          startupProbe:
            httpGet:
              path: /
              port: $probe_port
            periodSeconds: 2
            failureThreshold: 100000
  strategy:
    blueGreen:
      activeService: $rollout-active
      previewService: $rollout-preview
      autoPromotionEnabled: true
EOF
}

if [ "$reuse" = false ]; then
  log "creating kind cluster $cluster"
  kind create cluster --name "$cluster" --wait 180s ${node_image:+--image "$node_image"}
fi

log "installing Argo Rollouts $argo_version"
kc create namespace argo-rollouts --dry-run=client -o yaml | kc apply -f -
kc apply -n argo-rollouts -f "https://github.com/argoproj/argo-rollouts/releases/download/$argo_version/install.yaml"
kc -n argo-rollouts rollout status deployment/argo-rollouts --timeout="${step_timeout}s"

log "building $image and loading it into the cluster"
docker build -t "$image" "$repo"
kind load docker-image "$image" --name "$cluster"

log "installing the chart (selfManaged certificates)"
helm --kube-context "$context" upgrade --install "$release" "$repo/charts/rollout-deadline-guard" \
  --namespace "$release_ns" --create-namespace \
  --set image.repository="${image%:*}" --set image.tag="${image##*:}" --set image.pullPolicy=Never \
  --set certificates.mode=selfManaged \
  --set reconciler.graceSeconds=15 \
  --wait --timeout "${step_timeout}s"
helm --kube-context "$context" test "$release" --namespace "$release_ns" --logs --timeout "${step_timeout}s"
# The certificate Jobs made both Secrets (pre-install) and filled every webhook's caBundle (post-install).
prefix="$release-rollout-deadline-guard"
kc -n "$release_ns" get secret "$prefix-tls" "$prefix-tls-ca" -o name
for kind in mutatingwebhookconfiguration validatingwebhookconfiguration; do
  [ -n "$(kc get "$kind" "$prefix" -o 'jsonpath={.webhooks[*].clientConfig.caBundle}')" ] \
    || { echo "FAIL: $kind $prefix has no caBundle after install" >&2; exit 1; }
done

log "demo namespace and Services"
kc create namespace "$ns" --dry-run=client -o yaml | kc apply -f -
for service in active preview; do
  kc apply -f - <<EOF
apiVersion: v1
kind: Service
metadata:
  name: $rollout-$service
  namespace: $ns
spec:
  selector:
    app: $rollout
  ports:
    - port: 80
      targetPort: 8080
EOF
done

log "revision 1: good"
apply_revision 1 8080
wait_for "revision 1 Healthy" "$step_timeout" is_healthy

log "revision 2: broken"
apply_revision 2 9999
wait_for "revision 2 aborted" "$step_timeout" is_aborted
rev2_hash="$(field '{.status.currentPodHash}')"
echo "revision 2 ReplicaSet: $rollout-$rev2_hash"
# abortScaleDownDelaySeconds (30 s by default) later, Argo scales it to 0 and leaves scale-down-deadline on it.
wait_for "revision 2 ReplicaSet scaled to 0" "$step_timeout" rs_scaled_to_zero "$rollout-$rev2_hash"
stale="$(kc -n "$ns" get rs "$rollout-$rev2_hash" -o 'jsonpath={.metadata.annotations.scale-down-deadline}')"
echo "scale-down-deadline left on it: ${stale:-<none>} (argo-rollouts#3988 needs it to stay)"

log "revision 3: fixed"
apply_revision 3 8080
wait_for "revision 3 Healthy" "$step_timeout" is_healthy

log "revision 4: broken again"
apply_revision 4 9999
started=$SECONDS
# 60 s deadline + 15 s grace, plus the time to start; bounded by the step timeout.
wait_for "revision 4 aborted (status.abort true)" "$step_timeout" is_aborted
echo "revision 4 aborted $((SECONDS - started)) s after it was applied"
if ! wait_for "the deadline-guard Event on $rollout" 60 has_guard_abort_event; then
  echo "FAIL: revision 4 was aborted, but not by deadline-guard: Argo Rollouts $argo_version aborted it itself," >&2
  echo "      so the upstream bug did not reproduce on this cluster" >&2
  exit 1
fi

log "Events from deadline-guard"
guard_events

log "recorded revision history (webhook history)"
kc -n "$ns" get rollout "$rollout" -o yaml | docker run --rm -i "$image" history -

log "uninstalling the chart: the pre-delete hook removes the webhook configurations and both certificate Secrets"
helm --kube-context "$context" uninstall "$release" --namespace "$release_ns" --wait --timeout "${step_timeout}s"
left="$(kc -n "$release_ns" get secret "$prefix-tls" "$prefix-tls-ca" -o name --ignore-not-found)
$(kc get mutatingwebhookconfiguration,validatingwebhookconfiguration "$prefix" -o name --ignore-not-found 2>/dev/null)"
if [ -n "$(echo "$left" | tr -d '[:space:]')" ]; then
  echo "FAIL: left behind after helm uninstall:" >&2
  echo "$left" >&2
  exit 1
fi

log "PASS: revision 4 was aborted by the reconciler; install and uninstall left nothing behind"
