{{/*
Names, labels, service accounts and images shared by every template.
*/}}

{{/* The chart name, or nameOverride. */}}
{{- define "deadline-guard.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The prefix of every object name: fullnameOverride, else RELEASE-CHART (RELEASE alone when it already
contains the chart name), cut to 44 characters. Every name is the prefix plus at most 19 characters
("-reconciler-metrics"), so it fits 63, the strictest limit of the kinds the chart creates (a Service name is
a DNS-1035 label; a Job name becomes a label value). The prefix must also be a DNS-1035 label itself (the
webhook Service is named by it): lowercase letters, digits and '-', starting with a letter.
*/}}
{{- define "deadline-guard.fullname" -}}
{{- $full := "" }}
{{- if .Values.fullnameOverride }}
{{- $full = .Values.fullnameOverride }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- $full = .Release.Name }}
{{- else }}
{{- $full = printf "%s-%s" .Release.Name $name }}
{{- end }}
{{- end }}
{{- $prefix := $full | trunc 44 | trimSuffix "-" }}
{{- if not (regexMatch "^[a-z]([-a-z0-9]*[a-z0-9])?$" $prefix) }}
{{- fail (printf "the name prefix %q (from the release name, nameOverride or fullnameOverride) must be lowercase letters, digits and '-', starting with a letter: it names the webhook Service; set fullnameOverride" $prefix) }}
{{- end }}
{{- $prefix }}
{{- end }}

{{/* chart-version, for the helm.sh/chart label. */}}
{{- define "deadline-guard.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "deadline-guard.labels" -}}
helm.sh/chart: {{ include "deadline-guard.chart" . }}
{{ include "deadline-guard.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: rollout-deadline-guard
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* The labels that identify the release (selectors must never change across upgrades). */}}
{{- define "deadline-guard.selectorLabels" -}}
app.kubernetes.io/name: {{ include "deadline-guard.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels of one component: (dict "root" $ "component" "webhook"). */}}
{{- define "deadline-guard.componentLabels" -}}
{{ include "deadline-guard.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* Selector labels of one component: (dict "root" $ "component" "webhook"). */}}
{{- define "deadline-guard.componentSelectorLabels" -}}
{{ include "deadline-guard.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* Service account names. */}}
{{- define "deadline-guard.webhookServiceAccountName" -}}
{{- if .Values.serviceAccount.webhook.create }}
{{- default (printf "%s-webhook" (include "deadline-guard.fullname" .)) .Values.serviceAccount.webhook.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.webhook.name }}
{{- end }}
{{- end }}

{{- define "deadline-guard.reconcilerServiceAccountName" -}}
{{- if .Values.serviceAccount.reconciler.create }}
{{- default (printf "%s-reconciler" (include "deadline-guard.fullname" .)) .Values.serviceAccount.reconciler.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.reconciler.name }}
{{- end }}
{{- end }}

{{/* The hook Jobs' own service accounts (hooks exist before and after the release's objects). */}}
{{- define "deadline-guard.certsJobServiceAccountName" -}}
{{- printf "%s-certs" (include "deadline-guard.fullname" .) }}
{{- end }}

{{- define "deadline-guard.preDeleteServiceAccountName" -}}
{{- printf "%s-pre-delete" (include "deadline-guard.fullname" .) }}
{{- end }}

{{/* The program's image: repository@digest, else repository:tag (tag defaults to appVersion). */}}
{{- define "deadline-guard.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* The webhook Service, and the DNS name its certificate must carry. */}}
{{- define "deadline-guard.serviceName" -}}
{{- include "deadline-guard.fullname" . }}
{{- end }}

{{- define "deadline-guard.serviceHost" -}}
{{- printf "%s.%s.svc" (include "deadline-guard.serviceName" .) .Release.Namespace }}
{{- end }}

{{/* The name of both webhook configurations (one Mutating, one Validating). */}}
{{- define "deadline-guard.webhookConfigurationName" -}}
{{- include "deadline-guard.fullname" . }}
{{- end }}

{{/* The Secret holding tls.crt and tls.key (and ca.crt except, perhaps, in existingSecret mode). */}}
{{- define "deadline-guard.tlsSecretName" -}}
{{- if eq .Values.certificates.mode "existingSecret" }}
{{- required "certificates.existingSecret.name is required when certificates.mode is existingSecret" .Values.certificates.existingSecret.name }}
{{- else }}
{{- default (printf "%s-tls" (include "deadline-guard.fullname" .)) .Values.certificates.secretName }}
{{- end }}
{{- end }}

{{/*
selfManaged mode: the Secret `webhook certs` keeps its CA in (tls.crt, tls.key: the CA's private key, ca.crt: the
bundle of CAs still trusted). Only the certificate Job and the reconciler read it; no pod mounts it.
*/}}
{{- define "deadline-guard.caSecretName" -}}
{{- printf "%s-ca" (include "deadline-guard.tlsSecretName" .) }}
{{- end }}

{{/* cert-manager's serving Certificate, named in the inject-ca-from annotation. */}}
{{- define "deadline-guard.certificateName" -}}
{{- printf "%s-serving" (include "deadline-guard.fullname" .) }}
{{- end }}

{{- define "deadline-guard.leaseName" -}}
{{- default (printf "%s-reconciler" (include "deadline-guard.fullname" .)) .Values.reconciler.leaseName }}
{{- end }}

{{/*
The namespaceSelector of both webhooks: never the release's own namespace (the webhook must not block its own
recovery), never kube-system, never the namespaces in webhook.namespaceSelector.excludeNamespaces (added to those
two, not instead of them), never a namespace that opted out.
*/}}
{{- define "deadline-guard.namespaceSelector" -}}
matchExpressions:
  - key: kubernetes.io/metadata.name
    operator: NotIn
    values:
      {{- range (concat (list .Release.Namespace "kube-system") .Values.webhook.namespaceSelector.excludeNamespaces | uniq) }}
      - {{ . | quote }}
      {{- end }}
  - key: {{ .Values.webhook.namespaceSelector.optOutLabel | quote }}
    operator: NotIn
    values: ["true"]
{{- end }}

{{/* The clientConfig of a webhook: (dict "root" $ "path" "/mutate"). */}}
{{- define "deadline-guard.clientConfig" -}}
service:
  name: {{ include "deadline-guard.serviceName" .root }}
  namespace: {{ .root.Release.Namespace }}
  path: {{ .path }}
  port: {{ .root.Values.webhook.service.port }}
{{- if eq .root.Values.certificates.mode "existingSecret" }}
caBundle: {{ required "certificates.existingSecret.caBundle (base64 PEM) is required when certificates.mode is existingSecret" .root.Values.certificates.existingSecret.caBundle }}
{{- end }}
{{- end }}

{{/* Annotations of both webhook configurations. */}}
{{- define "deadline-guard.webhookConfigurationAnnotations" -}}
argocd.argoproj.io/sync-wave: {{ .Values.webhook.syncWave | quote }}
{{- if eq .Values.certificates.mode "certManager" }}
cert-manager.io/inject-ca-from: {{ printf "%s/%s" .Release.Namespace (include "deadline-guard.certificateName" .) }}
{{- end }}
{{- end }}

{{/* The Rollout resources both webhooks intercept: the main resource only, never rollouts/status. */}}
{{- define "deadline-guard.rules" -}}
- apiGroups: ["argoproj.io"]
  apiVersions: ["*"]
  resources: ["rollouts"]
  operations: ["CREATE", "UPDATE"]
  scope: Namespaced
{{- end }}

{{/* Hook annotations for the RBAC of a hook Job: created before it, deleted once all hooks succeeded. */}}
{{- define "deadline-guard.hookRbacAnnotations" -}}
helm.sh/hook: {{ .hooks }}
helm.sh/hook-weight: "-10"
helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
{{- end }}

{{/* The hooks the certificate Job runs on (see templates/job-certs.yaml). */}}
{{- define "deadline-guard.certsHooks" -}}
pre-install,pre-upgrade,post-install,post-upgrade
{{- end }}
