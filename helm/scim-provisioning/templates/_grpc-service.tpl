{{/*
One gRPC service of the platform: a headless Service for gRPC, a StatefulSet whose RocksDB lives on
the volume of its volumeClaimTemplate, a PodDisruptionBudget and a NetworkPolicy.
Called with (dict "root" $ "component" "role-service" "values" .Values.roleService
  "portEnv" "SCIM_ROLE_PORT" "metricsPortEnv" "SCIM_ROLE_METRICS_PORT" "env" (list ...EnvVar)
  "clients" (list "identity-service")),
where "clients" names the other components of the release that call this one besides the edge.
*/}}
{{- define "scim.grpcService" -}}
{{- $root := .root }}
{{- $v := .values }}
{{- $c := dict "root" $root "component" .component }}
{{- $name := include "scim.componentName" $c }}
apiVersion: v1
kind: Service
metadata:
  name: {{ $name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "scim.componentLabels" $c | nindent 4 }}
spec:
  # Headless: gRPC clients resolve the pod addresses themselves.
  clusterIP: None
  selector:
    {{- include "scim.componentSelectorLabels" $c | nindent 4 }}
  ports:
    - name: grpc
      port: {{ $v.port }}
      targetPort: grpc
      protocol: TCP
      appProtocol: grpc
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: {{ $name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "scim.componentLabels" $c | nindent 4 }}
spec:
  serviceName: {{ $name }}
  replicas: {{ $v.replicas }}
  revisionHistoryLimit: 5
  podManagementPolicy: OrderedReady
  updateStrategy:
    type: RollingUpdate
  selector:
    matchLabels:
      {{- include "scim.componentSelectorLabels" $c | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "scim.componentSelectorLabels" $c | nindent 8 }}
        app.kubernetes.io/version: {{ $root.Chart.AppVersion | quote }}
        {{- with $v.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- with include "scim.podAnnotations" (dict "root" $root "values" $v "port" $v.metricsPort) | trim }}
      annotations:
        {{- . | nindent 8 }}
      {{- end }}
    spec:
      {{- include "scim.podCommon" $root | nindent 6 }}
      terminationGracePeriodSeconds: {{ $v.terminationGracePeriodSeconds }}
      {{- with include "scim.scheduling" $v | trim }}
      {{- . | nindent 6 }}
      {{- end }}
      containers:
        - name: {{ .component }}
          image: {{ include "scim.image" (dict "root" $root "image" $v.image) }}
          imagePullPolicy: {{ $root.Values.images.pullPolicy }}
          {{- with .args }}
          args:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          ports:
            - name: grpc
              containerPort: {{ $v.port }}
              protocol: TCP
            {{- if gt (int $v.metricsPort) 0 }}
            - name: metrics
              containerPort: {{ $v.metricsPort }}
              protocol: TCP
            {{- end }}
          env:
            - name: SCIM_LISTEN_HOST
              value: "0.0.0.0"
            - name: {{ .portEnv }}
              value: {{ $v.port | quote }}
            - name: {{ .metricsPortEnv }}
              value: {{ $v.metricsPort | int64 | quote }}
            - name: SCIM_DATA_DIR
              value: /var/lib/scim
            {{- include "scim.runtimeEnv" $root | nindent 12 }}
            {{- with .env }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
            {{- with $v.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          # grpc.health.v1 (native gRPC probes); the service reports SERVING once its RocksDB is
          # open and NOT_SERVING while it drains on SIGTERM. The kubelet's gRPC probe cannot speak
          # TLS, so with grpcTls the probes only check that the port accepts connections.
          {{- $probe := dict "grpc" (dict "port" $v.port) }}
          {{- if $root.Values.grpcTls.enabled }}
          {{- $probe = dict "tcpSocket" (dict "port" "grpc") }}
          {{- end }}
          startupProbe:
            {{- toYaml $probe | nindent 12 }}
            periodSeconds: {{ $v.startupProbe.periodSeconds }}
            failureThreshold: {{ $v.startupProbe.failureThreshold }}
          readinessProbe:
            {{- toYaml $probe | nindent 12 }}
            periodSeconds: {{ $v.readinessProbe.periodSeconds }}
            timeoutSeconds: {{ $v.readinessProbe.timeoutSeconds }}
            failureThreshold: {{ $v.readinessProbe.failureThreshold }}
          livenessProbe:
            {{- toYaml $probe | nindent 12 }}
            periodSeconds: {{ $v.livenessProbe.periodSeconds }}
            timeoutSeconds: {{ $v.livenessProbe.timeoutSeconds }}
            failureThreshold: {{ $v.livenessProbe.failureThreshold }}
          resources:
            {{- toYaml $v.resources | nindent 12 }}
          securityContext:
            {{- toYaml $root.Values.containerSecurityContext | nindent 12 }}
          volumeMounts:
            - name: data
              mountPath: /var/lib/scim
            - name: tmp
              mountPath: /tmp
            {{- include "scim.grpcTlsVolumeMount" $root | nindent 12 }}
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: {{ $root.Values.tmpSizeLimit }}
        {{- include "scim.grpcTlsVolume" $root | nindent 8 }}
  volumeClaimTemplates:
    - metadata:
        name: data
        labels:
          {{- include "scim.componentSelectorLabels" $c | nindent 10 }}
      spec:
        accessModes:
          {{- toYaml $v.persistence.accessModes | nindent 10 }}
        {{- with $v.persistence.storageClassName }}
        storageClassName: {{ . | quote }}
        {{- end }}
        resources:
          requests:
            storage: {{ $v.persistence.size }}
{{- if $v.podDisruptionBudget.enabled }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ $name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "scim.componentLabels" $c | nindent 4 }}
spec:
  {{- include "scim.pdbPolicy" $v.podDisruptionBudget | trim | nindent 2 }}
  selector:
    matchLabels:
      {{- include "scim.componentSelectorLabels" $c | nindent 6 }}
{{- end }}
{{- $np := $root.Values.networkPolicy }}
{{- if $np.enabled }}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ $name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "scim.componentLabels" $c | nindent 4 }}
spec:
  # Selecting the pods denies every other ingress to them.
  podSelector:
    matchLabels:
      {{- include "scim.componentSelectorLabels" $c | nindent 6 }}
  policyTypes:
    - Ingress
  ingress:
    - ports:
        - port: grpc
          protocol: TCP
      from:
        - podSelector:
            matchLabels:
              {{- include "scim.componentSelectorLabels" (dict "root" $root "component" "edge") | nindent 14 }}
        {{- range .clients }}
        - podSelector:
            matchLabels:
              {{- include "scim.componentSelectorLabels" (dict "root" $root "component" .) | nindent 14 }}
        {{- end }}
        {{- with $np.allowedPodLabels }}
        - podSelector:
            matchLabels:
              {{- toYaml . | nindent 14 }}
        {{- end }}
        {{- range $np.allowedNamespaces }}
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: {{ . | quote }}
        {{- end }}
        {{- with $np.extraFrom }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    {{- if gt (int $v.metricsPort) 0 }}
    # Prometheus scrapes the metrics port (no tenant data there).
    - ports:
        - port: metrics
          protocol: TCP
      from:
        {{- range $np.metricsNamespaces }}
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: {{ . | quote }}
        {{- else }}
        # Every pod of the cluster.
        - namespaceSelector: {}
        {{- end }}
    {{- end }}
{{- end }}
{{- end }}
