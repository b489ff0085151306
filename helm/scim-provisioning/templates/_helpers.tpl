{{/* Chart name, cut to 63 characters (a DNS label). */}}
{{- define "scim.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name of the release's objects. Component objects append "-<component>", and a StatefulSet's
name must stay within 52 characters (its pods get a controller-revision-hash label of the name plus
11 characters, at most 63), so this is cut to 35 characters to leave room for "-identity-service".
*/}}
{{- define "scim.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 35 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 35 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 35 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "scim.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels of every object. */}}
{{- define "scim.labels" -}}
helm.sh/chart: {{ include "scim.chart" . }}
app.kubernetes.io/name: {{ include "scim.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: scim-provisioning
{{- end }}

{{/* Selector labels of the release (no component). */}}
{{- define "scim.selectorLabels" -}}
app.kubernetes.io/name: {{ include "scim.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels of one component: (dict "root" $ "component" "edge"). */}}
{{- define "scim.componentLabels" -}}
{{ include "scim.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* Selector labels of one component: (dict "root" $ "component" "edge"). */}}
{{- define "scim.componentSelectorLabels" -}}
{{ include "scim.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* Object name of one component: (dict "root" $ "component" "edge"). */}}
{{- define "scim.componentName" -}}
{{- printf "%s-%s" (include "scim.fullname" .root) .component }}
{{- end }}

{{/* Image of one component: (dict "root" $ "image" .Values.edge.image). */}}
{{- define "scim.image" -}}
{{- $repo := default .root.Values.images.repository .image.repository | trimSuffix "/" }}
{{- $tag := default (default .root.Chart.AppVersion .root.Values.images.tag) .image.tag }}
{{- printf "%s/%s:%s" $repo .image.name $tag }}
{{- end }}

{{- define "scim.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "scim.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* host:port where the gRPC service of a component answers: (dict "root" $ "component" "role-service" "port" 50052). */}}
{{- define "scim.grpcAddress" -}}
{{- printf "%s.%s.svc.%s:%d" (include "scim.componentName" .) .root.Release.Namespace .root.Values.clusterDomain (int .port) }}
{{- end }}

{{- define "scim.bootstrapSecretName" -}}
{{- default (printf "%s-bootstrap" (include "scim.fullname" .)) .Values.bootstrap.existingSecret }}
{{- end }}

{{- define "scim.edgeSecretName" -}}
{{- default (printf "%s-edge" (include "scim.fullname" .)) .Values.edgeSecret.existingSecret }}
{{- end }}

{{/* The env var that gives scim-edge and identity-service their shared SCIM_EDGE_SECRET. */}}
{{- define "scim.edgeSecretEnv" -}}
{{- dict "name" "SCIM_EDGE_SECRET" "valueFrom" (dict "secretKeyRef" (dict "name" (include "scim.edgeSecretName" .) "key" .Values.edgeSecret.existingSecretKey)) | toJson }}
{{- end }}

{{/* The PodDisruptionBudget policy of a component's values (minAvailable wins when both are set). */}}
{{- define "scim.pdbPolicy" -}}
{{- if not (kindIs "invalid" .minAvailable) }}
minAvailable: {{ .minAvailable }}
{{- else if not (kindIs "invalid" .maxUnavailable) }}
maxUnavailable: {{ .maxUnavailable }}
{{- else }}
maxUnavailable: 1
{{- end }}
{{- end }}

{{/* Pod-level settings every pod shares. */}}
{{- define "scim.podCommon" -}}
serviceAccountName: {{ include "scim.serviceAccountName" . }}
automountServiceAccountToken: false
enableServiceLinks: false
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* Scheduling settings of a component's values. */}}
{{- define "scim.scheduling" -}}
{{- with .nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/*
A pod's annotations: Prometheus' scrape annotations for the metrics `port` (when
metrics.podAnnotations is on and the port is not 0), then the component's podAnnotations, which
win. Called with (dict "root" $ "values" .Values.edge "port" 8080).
*/}}
{{- define "scim.podAnnotations" -}}
{{- $a := dict }}
{{- if and .root.Values.metrics.podAnnotations (gt (int .port) 0) }}
{{- $_ := set $a "prometheus.io/scrape" "true" }}
{{- $_ := set $a "prometheus.io/port" (.port | toString) }}
{{- $_ := set $a "prometheus.io/path" "/metrics" }}
{{- end }}
{{- range $k, $val := .values.podAnnotations }}
{{- $_ := set $a $k $val }}
{{- end }}
{{- with $a }}
{{- toYaml . }}
{{- end }}
{{- end }}

{{/* Environment every component gets: the shutdown grace period and, when enabled, gRPC TLS. */}}
{{- define "scim.runtimeEnv" -}}
- name: SCIM_SHUTDOWN_GRACE_MS
  value: {{ .Values.shutdownGraceMs | int64 | quote }}
{{- with .Values.grpcTls }}
{{- if .enabled }}
- name: SCIM_GRPC_TLS_CERT
  value: /etc/scim/grpc-tls/{{ .certKey }}
- name: SCIM_GRPC_TLS_KEY
  value: /etc/scim/grpc-tls/{{ .keyKey }}
- name: SCIM_GRPC_TLS_CA
  value: /etc/scim/grpc-tls/{{ .caKey }}
{{- with .serverName }}
- name: SCIM_GRPC_TLS_SERVER_NAME
  value: {{ . | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/* The gRPC TLS Secret's volume and its mount, when enabled. */}}
{{- define "scim.grpcTlsVolume" -}}
{{- if .Values.grpcTls.enabled }}
- name: grpc-tls
  secret:
    secretName: {{ required "grpcTls.secretName: name the Secret with the CA, certificate and key" .Values.grpcTls.secretName }}
    defaultMode: 0440
{{- end }}
{{- end }}
{{- define "scim.grpcTlsVolumeMount" -}}
{{- if .Values.grpcTls.enabled }}
- name: grpc-tls
  mountPath: /etc/scim/grpc-tls
  readOnly: true
{{- end }}
{{- end }}
