// Validates the output of `helm template` for helm/scim-provisioning, offline:
//
//  1. every object against the Kubernetes OpenAPI schema of its apiVersion/kind (kubernetes-models);
//     unknown kinds and API versions Kubernetes has removed fail;
//  2. no unknown fields anywhere (the OpenAPI schemas allow them; the API server's strict field
//     validation does not): TypeScript's excess-property check against the same models' types
//     (it names the first unknown field of each object);
//  3. the invariants a reviewer of this chart cares about (probes, resources, security context,
//     volumeClaimTemplates, PodDisruptionBudgets, NetworkPolicies on the gRPC and metrics ports,
//     Prometheus annotations naming a container port, references
//     between objects);
//  4. the settings the chart passes to the binaries (`settings` below): each env var is rendered
//     with the chart's default value (every rendering checked leaves those values alone), and that
//     default is the binary's own, read from its main.cc.
//
// usage: node validate.mjs [OPTIONS] FILE [[OPTIONS] FILE]...
//   OPTIONS apply to the FILE that follows them:
//   --label TEXT             name of this rendering in the output
//   --expect-kind KIND       at least one object of KIND must be rendered
//   --forbid-kind KIND       no object of KIND may be rendered
//   --external-secret NAME   a Secret the release reads but does not render (bootstrap.existingSecret)
// Prints one line per problem and one summary line per file; exits 1 when anything failed.
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, parseAllDocuments } from "yaml";
import ts from "typescript";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, "..", "..");

// [component, env var, path in values.yaml, source that reads it]: settings whose defaults the
// chart repeats. SCIM_RATE_LIMIT_BURST is left unset while edge.rateLimit.burst is 0.
const settings = [
  ["edge", "SCIM_V1_BASE_PATHS", "edge.scim11BasePaths", "edge/main.cc"],
  ["edge", "SCIM_HTTP_THREADS", "edge.httpThreads", "edge/main.cc"],
  ["edge", "SCIM_HANDLER_THREADS", "edge.handlerThreads", "edge/main.cc"],
  ["edge", "SCIM_HANDLER_QUEUE", "edge.handlerQueue", "edge/main.cc"],
  ["edge", "SCIM_USER_NAMES_SIZE", "edge.userNamesSize", "edge/main.cc"],
  ["edge", "SCIM_USER_CACHE_SIZE", "edge.userCacheSize", "edge/main.cc"],
  ["edge", "SCIM_AUDIT_QUEUE_CAPACITY", "edge.auditQueueCapacity", "edge/main.cc"],
  ["edge", "SCIM_RATE_LIMIT_RPS", "edge.rateLimit.rps", "edge/main.cc"],
  ["edge", "SCIM_AUTH_FAILURE_LIMIT", "edge.authFailures.limit", "edge/main.cc"],
  ["edge", "SCIM_AUTH_FAILURE_WINDOW_S", "edge.authFailures.windowSeconds", "edge/main.cc"],
  ["audit-service", "SCIM_AUDIT_RETENTION_DAYS", "auditService.retentionDays", "audit-service/main.cc"],
  ["identity-service", "SCIM_STARTUP_CHECK", "identityService.startupCheck", "identity-service/main.cc"],
];
const chartDefaults = parse(readFileSync(join(repoRoot, "helm/scim-provisioning/values.yaml"), "utf8"));
const valueAt = (path) => path.split(".").reduce((o, k) => (o == null ? undefined : o[k]), chartDefaults);
// The default a binary gives ENV: config.Get(..., "ENV", "text") or config.GetInt(..., "ENV", 123).
function binaryDefault(source, envName) {
  const text = readFileSync(join(repoRoot, source), "utf8");
  const m = new RegExp(`"${envName}",\\s*(?:"([^"]*)"|(-?[0-9]+))\\s*\\)`).exec(text);
  return m ? (m[1] ?? m[2]) : undefined;
}
const settingsProblems = [];
for (const [, envName, path, source] of settings) {
  const chart = valueAt(path);
  const binary = binaryDefault(source, envName);
  if (chart === undefined) settingsProblems.push(`values.yaml has no ${path}`);
  else if (binary === undefined) settingsProblems.push(`cannot find the default of ${envName} in ${source}`);
  else if (String(chart) !== binary) settingsProblems.push(`${path} defaults to ${chart} but ${source} defaults ${envName} to ${binary}`);
}
if (valueAt("edge.rateLimit.burst") !== 0) settingsProblems.push("edge.rateLimit.burst should default to 0 (the binary's own default)");

// ---- arguments
const renderings = [];
let pending = { expect: [], forbid: [], externalSecrets: [], label: "" };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  const next = () => {
    if (i + 1 >= process.argv.length) usage(`${a} needs a value`);
    return process.argv[++i];
  };
  if (a === "--expect-kind") pending.expect.push(next());
  else if (a === "--forbid-kind") pending.forbid.push(next());
  else if (a === "--external-secret") pending.externalSecrets.push(next());
  else if (a === "--label") pending.label = next();
  else if (a.startsWith("--")) usage(`unknown option ${a}`);
  else {
    renderings.push({ ...pending, file: a, label: pending.label || a, problems: [], objects: [], valid: [] });
    pending = { expect: [], forbid: [], externalSecrets: [], label: "" };
  }
}
if (renderings.length === 0) usage("no manifest file given");

function usage(msg) {
  console.error(`validate.mjs: ${msg}`);
  console.error("usage: node validate.mjs [--label TEXT] [--expect-kind K]... [--forbid-kind K]... [--external-secret NAME]... FILE ...");
  process.exit(2);
}
const describe = (o) => `${o.kind ?? "?"}/${o.metadata?.name ?? "?"}`;

// ---- the kubernetes-models class of an apiVersion/kind, loaded on demand (loading every
// model costs seconds). kubernetes-models/<group>/<version>/<Kind>, core as kubernetes-models/v1/<Kind>.
const classes = new Map();
async function modelClass(apiVersion, kind) {
  const key = `${apiVersion}|${kind}`;
  if (!classes.has(key)) {
    let cls = null;
    if (/^([a-z0-9.-]+\/)?v[0-9]+((alpha|beta)[0-9]+)?$/.test(apiVersion) && /^[A-Z][A-Za-z0-9]*$/.test(kind)) {
      try {
        const mod = await import(`kubernetes-models/${apiVersion}/${kind}`);
        const c = mod[kind];
        if (typeof c === "function" && c.apiVersion === apiVersion && c.kind === kind) cls = c;
      } catch {
        cls = null; // no such model: an unknown kind
      }
    }
    classes.set(key, cls);
  }
  return classes.get(key);
}
// API versions Kubernetes no longer serves (kubernetes-models still ships them); the chart
// targets Kubernetes >= 1.24.
const removed = new Set([
  "extensions/v1beta1", "apps/v1beta1", "apps/v1beta2", "networking.k8s.io/v1beta1",
  "policy/v1beta1", "autoscaling/v2beta1", "autoscaling/v2beta2", "batch/v1beta1",
  "rbac.authorization.k8s.io/v1beta1", "storage.k8s.io/v1beta1", "scheduling.k8s.io/v1beta1",
  "apiextensions.k8s.io/v1beta1", "admissionregistration.k8s.io/v1beta1",
]);

for (const r of renderings) {
  const fail = (obj, msg) => r.problems.push(`${obj ? describe(obj) + ": " : ""}${msg}`);
  // ---- parse
  let docs;
  try {
    docs = parseAllDocuments(readFileSync(r.file, "utf8"));
  } catch (e) {
    fail(null, `cannot read ${r.file}: ${e.message}`);
    continue;
  }
  for (const doc of docs) {
    if (doc.errors.length) {
      fail(null, `YAML error: ${doc.errors.map((e) => e.message).join("; ")}`);
      continue;
    }
    const obj = doc.toJS();
    if (obj === null || obj === undefined) continue; // empty document
    if (typeof obj !== "object" || Array.isArray(obj)) {
      fail(null, `a document is not an object: ${JSON.stringify(obj).slice(0, 80)}`);
      continue;
    }
    r.objects.push(obj);
  }
  if (r.objects.length === 0) fail(null, "no objects rendered");

  // ---- 1. OpenAPI schema per apiVersion/kind
  for (const obj of r.objects) {
    if (!obj.apiVersion || !obj.kind) {
      fail(obj, "apiVersion and kind are required");
      continue;
    }
    if (removed.has(obj.apiVersion)) {
      fail(obj, `apiVersion ${obj.apiVersion} is no longer served by Kubernetes`);
      continue;
    }
    const cls = await modelClass(obj.apiVersion, obj.kind);
    if (!cls) {
      fail(obj, `unknown kind ${obj.kind} in ${obj.apiVersion}`);
      continue;
    }
    try {
      new cls(obj).validate();
      r.valid.push(obj); // the invariants below look only at objects that passed
    } catch (e) {
      fail(obj, `schema: ${e.message}`);
    }
    if (!obj.metadata?.name) fail(obj, "metadata.name is missing");
    else if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(obj.metadata.name) || obj.metadata.name.length > 63) {
      fail(obj, `metadata.name '${obj.metadata.name}' is not a DNS name of at most 63 characters`);
    }
  }

  // ---- 3. invariants (a crash here is reported as a failure, not a stack trace)
  try {
    invariants(r.valid, r, fail);
    settingsWiring(r.valid, fail);
  } catch (e) {
    fail(null, `invariant checks crashed (malformed object?): ${e.stack}`);
  }
  const kinds = new Set(r.objects.map((o) => o.kind));
  for (const k of r.expect) if (!kinds.has(k)) fail(null, `expected at least one ${k}`);
  for (const k of r.forbid) if (kinds.has(k)) fail(null, `expected no ${k}`);
}

// ---- 2. unknown fields, for every rendering at once (one TypeScript program)
strictFields();

function strictFields() {
  const items = []; // [rendering, obj]
  for (const r of renderings) {
    for (const o of r.objects) if (classes.get(`${o.apiVersion}|${o.kind}`)) items.push([r, o]);
  }
  if (items.length === 0) return;
  const dir = join(here, ".cache");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "rendered-objects.ts");
  const lines = [];
  const ranges = []; // [firstLine, lastLine, rendering, obj]
  items.forEach(([, o], i) => {
    lines.push(`import type { I${o.kind} as T${i} } from "kubernetes-models/${o.apiVersion}/${o.kind}";`);
  });
  items.forEach(([r, o], i) => {
    const start = lines.length;
    lines.push(...`export const o${i}: T${i} = ${JSON.stringify(o, null, 2)};`.split("\n"));
    ranges.push([start, lines.length - 1, r, o]);
  });
  writeFileSync(file, lines.join("\n") + "\n");
  const program = ts.createProgram([file], {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: [],
  });
  const text = program.getSourceFile(file)?.text.split("\n") ?? [];
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const msg = ts.flattenDiagnosticMessageText(d.messageText, " ");
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : -1;
    const hit = ranges.find(([a, b]) => line >= a && line <= b);
    if (!hit) {
      renderings[0].problems.push(`typescript: ${msg}`);
      continue;
    }
    hit[2].problems.push(`${describe(hit[3])}: unknown or mistyped field near \`${text[line].trim()}\`: ${msg}`);
  }
}

function invariants(valid, opts, fail) {
const byKind = (k) => valid.filter((o) => o.kind === k);
const workloads = valid.filter((o) => ["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod"].includes(o.kind));
const podSpecOf = (w) =>
  w.kind === "Pod" ? w.spec : w.kind === "CronJob" ? w.spec?.jobTemplate?.spec?.template?.spec : w.spec?.template?.spec;
const podLabelsOf = (w) =>
  (w.kind === "Pod" ? w.metadata?.labels : w.kind === "CronJob" ? w.spec?.jobTemplate?.spec?.template?.metadata?.labels : w.spec?.template?.metadata?.labels) ?? {};
const matches = (selector, labels) =>
  selector && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);
const labelSelectorMatches = (sel, labels) =>
  sel && matches(sel.matchLabels ?? {}, labels) &&
  (sel.matchExpressions ?? []).every((e) =>
    e.operator === "In" ? e.values.includes(labels[e.key]) :
    e.operator === "NotIn" ? !e.values.includes(labels[e.key]) :
    e.operator === "Exists" ? e.key in labels : !(e.key in labels));
const envOf = (c) => Object.fromEntries((c.env ?? []).filter((e) => "value" in e).map((e) => [e.name, e.value]));
const secretNames = new Set(byKind("Secret").map((s) => s.metadata.name).concat(opts.externalSecrets));

for (const w of workloads) {
  const spec = podSpecOf(w) ?? {};
  const psc = spec.securityContext ?? {};
  if (spec.automountServiceAccountToken !== false) fail(w, "automountServiceAccountToken should be false (no pod uses the Kubernetes API)");
  if (psc.seccompProfile?.type !== "RuntimeDefault") fail(w, "pod seccompProfile should be RuntimeDefault");
  const volumes = new Map((spec.volumes ?? []).map((v) => [v.name, v]));
  const claims = new Set((w.kind === "StatefulSet" ? w.spec.volumeClaimTemplates ?? [] : []).map((c) => c.metadata?.name));
  const containers = spec.containers ?? [];
  if (containers.length === 0) fail(w, "no containers");
  for (const c of [...containers, ...(spec.initContainers ?? [])]) {
    const where = `container ${c.name}`;
    const isInit = !containers.includes(c);
    const sc = c.securityContext ?? {};
    if (!isInit && (!c.readinessProbe || !c.livenessProbe)) fail(w, `${where} needs a readinessProbe and a livenessProbe`);
    const r = c.resources ?? {};
    if (!r.requests?.cpu || !r.requests?.memory) fail(w, `${where} needs cpu and memory requests`);
    if (!r.limits?.memory || !r.limits?.cpu) fail(w, `${where} needs cpu and memory limits`);
    if ((sc.runAsNonRoot ?? psc.runAsNonRoot) !== true) fail(w, `${where} must set runAsNonRoot`);
    if ((sc.runAsUser ?? psc.runAsUser) === 0) fail(w, `${where} runs as uid 0`);
    if (sc.readOnlyRootFilesystem !== true) fail(w, `${where} must set readOnlyRootFilesystem: true`);
    if (sc.allowPrivilegeEscalation !== false) fail(w, `${where} must set allowPrivilegeEscalation: false`);
    if (sc.privileged === true) fail(w, `${where} is privileged`);
    if (!(sc.capabilities?.drop ?? []).includes("ALL")) fail(w, `${where} must drop ALL capabilities`);
    if ((sc.capabilities?.add ?? []).length) fail(w, `${where} adds capabilities`);
    if (!c.image || /:latest$/.test(c.image) || !/:[^/]+$/.test(c.image)) fail(w, `${where} image '${c.image}' needs a pinned tag`);
    const names = (c.env ?? []).map((e) => e.name);
    const dup = names.filter((n, i) => names.indexOf(n) !== i);
    if (dup.length) fail(w, `${where} sets ${[...new Set(dup)].join(", ")} more than once`);
    for (const m of c.volumeMounts ?? []) {
      if (!volumes.has(m.name) && !claims.has(m.name)) fail(w, `${where} mounts undefined volume ${m.name}`);
    }
    // A read-only root filesystem leaves /tmp as the only scratch space: it must be an emptyDir.
    const tmp = (c.volumeMounts ?? []).find((m) => m.mountPath === "/tmp");
    if (!tmp || !volumes.get(tmp.name)?.emptyDir) fail(w, `${where} needs an emptyDir at /tmp (read-only root filesystem)`);
    for (const e of c.env ?? []) {
      const ref = e.valueFrom?.secretKeyRef;
      if (ref && !secretNames.has(ref.name)) fail(w, `${where} reads Secret ${ref.name}, which is neither rendered nor declared external`);
    }
    const portNames = new Set((c.ports ?? []).map((p) => p.name));
    for (const probe of ["readinessProbe", "livenessProbe", "startupProbe"]) {
      const p = c[probe];
      const named = p?.httpGet?.port ?? p?.tcpSocket?.port;
      if (typeof named === "string" && !portNames.has(named)) fail(w, `${where} ${probe} uses unknown port ${named}`);
    }
  }

  // The platform's own components.
  const component = podLabelsOf(w)["app.kubernetes.io/component"];
  const main = containers[0] ?? {};
  const env = envOf(main);
  // Prometheus' pod annotations name a port the pod serves /metrics on.
  const annotations = (w.kind === "Pod" ? w.metadata?.annotations : w.spec?.template?.metadata?.annotations) ?? {};
  if (annotations["prometheus.io/scrape"] === "true") {
    const port = Number(annotations["prometheus.io/port"]);
    if (!(main.ports ?? []).some((p) => p.containerPort === port)) fail(w, `prometheus.io/port ${annotations["prometheus.io/port"]} is no container port`);
    if (annotations["prometheus.io/path"] !== "/metrics") fail(w, "prometheus.io/path should be /metrics");
  }
  if (component === "edge") {
    if (w.kind !== "Deployment") fail(w, "the edge should be a Deployment");
    if (main.readinessProbe?.httpGet?.path !== "/readyz") fail(w, "the edge's readinessProbe should GET /readyz");
    if (main.livenessProbe?.httpGet?.path !== "/healthz") fail(w, "the edge's livenessProbe should GET /healthz");
    if (env.SCIM_HTTP_HOST !== "0.0.0.0") fail(w, "the edge must listen on SCIM_HTTP_HOST=0.0.0.0");
    for (const k of ["SCIM_IDENTITY_ADDRESS", "SCIM_ROLE_ADDRESS", "SCIM_AUDIT_ADDRESS"]) {
      if (!env[k]) fail(w, `the edge needs ${k}`);
    }
  } else if (["identity-service", "role-service", "audit-service"].includes(component)) {
    if (w.kind !== "StatefulSet") fail(w, `${component} should be a StatefulSet`);
    // Its pods are labelled controller-revision-hash=<name>-<10 characters>, at most 63.
    if (w.metadata.name.length > 52) fail(w, "a StatefulSet name longer than 52 characters breaks its pods' controller-revision-hash label");
    const grpcPort = (main.ports ?? []).find((p) => p.name === "grpc")?.containerPort;
    if (!grpcPort) fail(w, `${component} has no port named grpc`);
    const metricsPort = (main.ports ?? []).find((p) => p.name === "metrics")?.containerPort;
    const metricsEnv = Object.entries(env).find(([k]) => /^SCIM_[A-Z]+_METRICS_PORT$/.test(k));
    if (!metricsEnv) fail(w, `${component} is given no SCIM_*_METRICS_PORT`);
    else if (Number(metricsEnv[1]) !== (metricsPort ?? 0)) fail(w, `${metricsEnv[0]}=${metricsEnv[1]} is not its metrics container port (${metricsPort})`);
    if (metricsPort && metricsPort === grpcPort) fail(w, "the metrics port must differ from the gRPC port");
    // The kubelet's gRPC probe cannot speak TLS: with gRPC TLS, a TCP check of the same port.
    const tls = Boolean(env.SCIM_GRPC_TLS_CERT);
    for (const probe of ["readinessProbe", "livenessProbe"]) {
      const p = main[probe];
      const ok = tls ? p?.tcpSocket?.port === "grpc" : p?.grpc?.port === grpcPort;
      if (!ok) fail(w, `${component} ${probe} should be a ${tls ? "TCP probe of port grpc (gRPC TLS)" : `gRPC health probe on port ${grpcPort}`}`);
    }
    if (env.SCIM_LISTEN_HOST !== "0.0.0.0") fail(w, `${component} must listen on SCIM_LISTEN_HOST=0.0.0.0`);
    const vcts = w.spec.volumeClaimTemplates ?? [];
    if (vcts.length === 0) fail(w, "a StatefulSet needs volumeClaimTemplates for its RocksDB");
    const dataMount = (main.volumeMounts ?? []).find((m) => claims.has(m.name));
    if (!dataMount) fail(w, "no container mounts the volumeClaimTemplate");
    else if (env.SCIM_DATA_DIR !== dataMount.mountPath) fail(w, `SCIM_DATA_DIR (${env.SCIM_DATA_DIR}) is not the volume mount ${dataMount.mountPath}`);
    if ((w.spec.replicas ?? 1) > 1) fail(w, "RocksDB has one writer: replicas must be at most 1");
    const headless = byKind("Service").find((s) => s.metadata.name === w.spec.serviceName);
    if (!headless) fail(w, `serviceName ${w.spec.serviceName} names no rendered Service`);
    else if (headless.spec.clusterIP !== "None") fail(w, `Service ${headless.metadata.name} should be headless`);
    // Only selected peers may reach the gRPC port.
    const policies = byKind("NetworkPolicy").filter((np) => labelSelectorMatches(np.spec.podSelector, podLabelsOf(w)));
    if (policies.length === 0) fail(w, "no NetworkPolicy selects these pods (the gRPC port is open to every pod)");
    for (const np of policies) {
      if (!(np.spec.policyTypes ?? []).includes("Ingress")) fail(np, "policyTypes must include Ingress");
      for (const rule of np.spec.ingress ?? []) {
        if (!rule.from || rule.from.length === 0) fail(np, "an ingress rule without `from` admits every peer");
        const ports = rule.ports ?? [];
        const isGrpc = (p) => p.port === "grpc" || p.port === grpcPort;
        const isMetrics = (p) => metricsPort && (p.port === "metrics" || p.port === metricsPort);
        // A rule opens the gRPC port or the metrics port, never both: scrapers get no gRPC.
        if (ports.length === 0 || !(ports.every(isGrpc) || ports.every(isMetrics))) fail(np, "ingress rules should open only the gRPC port or only the metrics port");
      }
      if (metricsPort && !(np.spec.ingress ?? []).some((r) => (r.ports ?? []).some((p) => p.port === "metrics" || p.port === metricsPort))) {
        fail(np, "no ingress rule lets Prometheus scrape the metrics port");
      }
      const fromEdge = (np.spec.ingress ?? []).some((r) =>
        (r.from ?? []).some((f) => f.podSelector && !f.namespaceSelector && f.podSelector.matchLabels?.["app.kubernetes.io/component"] === "edge"));
      if (!fromEdge) fail(np, "the edge must be allowed to reach the gRPC port");
    }
  }

  // Every gRPC address a component is given names a rendered Service and port, and the
  // NetworkPolicies of the pods behind it admit this component.
  for (const [k, addr] of Object.entries(env)) {
    if (!/^SCIM_[A-Z]+_ADDRESS$/.test(k)) continue;
    const m = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc(\.[a-z0-9.-]+)?:([0-9]+)$/.exec(addr);
    if (!m) { fail(w, `${k}=${addr} is not <service>.<namespace>.svc[.<domain>]:<port>`); continue; }
    const target = byKind("Service").find((s) => s.metadata.name === m[1] && (s.metadata.namespace ?? m[2]) === m[2]);
    if (!target) { fail(w, `${k}=${addr} names no rendered Service`); continue; }
    if (!(target.spec.ports ?? []).some((p) => p.port === Number(m[4]))) fail(w, `${k}=${addr}: port ${m[4]} is not a port of Service ${m[1]}`);
    for (const callee of workloads.filter((x) => matches(target.spec.selector, podLabelsOf(x)))) {
      const policies = byKind("NetworkPolicy").filter((np) => labelSelectorMatches(np.spec.podSelector, podLabelsOf(callee)));
      const admitted = policies.length === 0 || policies.some((np) => (np.spec.ingress ?? []).some((rule) =>
        (rule.from ?? []).some((f) => f.podSelector && !f.namespaceSelector && labelSelectorMatches(f.podSelector, podLabelsOf(w)))));
      if (!admitted) fail(w, `calls ${describe(callee)} (${k}) but no NetworkPolicy admits it`);
    }
  }

  // Every workload is covered by a PodDisruptionBudget.
  if (["Deployment", "StatefulSet"].includes(w.kind) &&
      !byKind("PodDisruptionBudget").some((p) => labelSelectorMatches(p.spec.selector, podLabelsOf(w)))) {
    fail(w, "no PodDisruptionBudget selects these pods");
  }
  if (w.spec?.selector && !labelSelectorMatches(w.spec.selector, podLabelsOf(w))) fail(w, "spec.selector does not match the pod template's labels");
}

for (const s of byKind("Service")) {
  const backing = workloads.filter((w) => matches(s.spec.selector, podLabelsOf(w)));
  if (backing.length === 0) { fail(s, "selects no rendered workload"); continue; }
  for (const p of s.spec.ports ?? []) {
    if (typeof p.targetPort === "string" &&
        !backing.some((w) => (podSpecOf(w).containers ?? []).some((c) => (c.ports ?? []).some((cp) => cp.name === p.targetPort)))) {
      fail(s, `targetPort ${p.targetPort} is no container port of the selected pods`);
    }
  }
}
for (const h of byKind("HorizontalPodAutoscaler")) {
  const t = h.spec.scaleTargetRef;
  const target = valid.find((o) => o.kind === t.kind && o.metadata.name === t.name && o.apiVersion === t.apiVersion);
  if (!target) fail(h, `scaleTargetRef ${t.kind}/${t.name} is not rendered`);
  else if (target.spec.replicas !== undefined) fail(target, "sets replicas although an HPA scales it (every upgrade would reset the scale)");
  if ((h.spec.minReplicas ?? 1) > h.spec.maxReplicas) fail(h, "minReplicas exceeds maxReplicas");
}
for (const ing of byKind("Ingress")) {
  if (!(ing.spec.tls ?? []).length) fail(ing, "an Ingress must terminate TLS");
  const tlsHosts = new Set((ing.spec.tls ?? []).flatMap((t) => t.hosts ?? []));
  for (const rule of ing.spec.rules ?? []) {
    if (rule.host && !tlsHosts.has(rule.host)) fail(ing, `host ${rule.host} is not covered by spec.tls`);
    for (const p of rule.http?.paths ?? []) {
      const svc = byKind("Service").find((s) => s.metadata.name === p.backend?.service?.name);
      if (!svc) fail(ing, `backend ${p.backend?.service?.name} is no rendered Service`);
      else if (!(svc.spec.ports ?? []).some((sp) => sp.name === p.backend.service.port?.name || sp.port === p.backend.service.port?.number)) {
        fail(ing, `backend port of ${svc.metadata.name} does not exist`);
      }
    }
  }
}
if (byKind("StatefulSet").length !== 3) fail(null, `expected 3 valid StatefulSets (identity-, role-, audit-service), got ${byKind("StatefulSet").length}`);
}

// ---- 4. settings: rendered with the chart's defaults, which are the binaries' defaults
function settingsWiring(valid, fail) {
  if (valid === renderings[0].valid) for (const p of settingsProblems) fail(null, p);
  for (const component of new Set(settings.map(([c]) => c))) {
    const ws = valid.filter((o) => ["Deployment", "StatefulSet"].includes(o.kind) &&
      o.spec?.template?.metadata?.labels?.["app.kubernetes.io/component"] === component);
    if (ws.length === 0) { fail(null, `no ${component} workload rendered to check its settings in`); continue; }
    for (const w of ws) {
      const env = w.spec.template.spec?.containers?.[0]?.env ?? [];
      const byName = new Map(env.map((e) => [e.name, e]));
      for (const [c, envName, path] of settings) {
        if (c !== component) continue;
        const e = byName.get(envName);
        const want = String(valueAt(path));
        if (!e) fail(w, `${envName} (${path}) is not set`);
        else if (e.value !== want) fail(w, `${envName} is ${JSON.stringify(e.value)}, expected the default of ${path}: ${JSON.stringify(want)}`);
      }
      if (component === "edge" && byName.has("SCIM_RATE_LIMIT_BURST")) {
        fail(w, "SCIM_RATE_LIMIT_BURST is set although edge.rateLimit.burst is 0 (the binary derives it from the rps)");
      }
    }
  }
}

// ---- summary
let failed = 0;
for (const r of renderings) {
  const kinds = [...new Set(r.objects.map((o) => o.kind))].sort();
  const counts = kinds.map((k) => `${r.objects.filter((o) => o.kind === k).length} ${k}`).join(", ");
  for (const p of r.problems) console.log(`  - ${r.label}: ${p}`);
  if (r.problems.length) {
    failed++;
    console.log(`FAIL ${r.label}: ${r.problems.length} problem(s) in ${r.objects.length} objects`);
  } else {
    console.log(`ok   ${r.label}: ${r.objects.length} objects valid (${counts})`);
  }
}
process.exit(failed ? 1 : 0);
