{{/* Names */}}
{{- define "coder-admission.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "coder-admission.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains (include "coder-admission.name" .) .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (include "coder-admission.name" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "coder-admission.selectorLabels" -}}
app.kubernetes.io/name: {{ include "coder-admission.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "coder-admission.labels" -}}
{{ include "coder-admission.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "coder-admission.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* Features, as the app config enables them */}}
{{- define "coder-admission.exposure" -}}{{ if .Values.config.exposure.enabled }}true{{ end }}{{- end -}}
{{- define "coder-admission.agentUrl" -}}{{ if (index .Values.config "agent-url").enabled }}true{{ end }}{{- end -}}
{{- define "coder-admission.tenantBackend" -}}{{ if (index .Values.config "tenant-backend").enabled }}true{{ end }}{{- end -}}
{{- define "coder-admission.selfManaged" -}}{{ if eq .Values.tls.mode "self-managed" }}true{{ end }}{{- end -}}

{{- define "coder-admission.tlsSecretName" -}}
{{- if eq .Values.tls.mode "existing-secret" -}}
{{- required "tls.existingSecret.name is required with tls.mode existing-secret" .Values.tls.existingSecret.name -}}
{{- else -}}
{{- printf "%s-tls" (include "coder-admission.fullname" .) -}}
{{- end -}}
{{- end -}}

{{/* DNS names of the serving certificate beyond the Service's own: extras and the host of webhook.url */}}
{{- define "coder-admission.extraDnsNames" -}}
{{- $names := .Values.tls.extraDnsNames -}}
{{- if .Values.webhook.url -}}
{{- $names = append $names (urlParse .Values.webhook.url).hostname | uniq -}}
{{- end -}}
{{- toJson $names -}}
{{- end -}}

{{/* The app's config file: .Values.config plus the keys this deployment decides */}}
{{- define "coder-admission.appConfig" -}}
{{- $fullname := include "coder-admission.fullname" . -}}
{{- $tls := dict "key-type" .Values.tls.keyType -}}
{{- if eq .Values.tls.mode "self-managed" -}}
{{- $webhooks := dict "mutating" (list) "validating" (list) -}}
{{- if or (include "coder-admission.agentUrl" .) (include "coder-admission.tenantBackend" .) -}}
{{- $_ := set $webhooks "mutating" (list $fullname) -}}
{{- end -}}
{{- if include "coder-admission.exposure" . -}}
{{- $_ := set $webhooks "validating" (list $fullname) -}}
{{- end -}}
{{- $_ := set $tls "mode" "self-managed" -}}
{{- $_ := set $tls "service-name" $fullname -}}
{{- $_ := set $tls "service-namespace" .Release.Namespace -}}
{{- $_ := set $tls "extra-dns-names" (include "coder-admission.extraDnsNames" . | fromJsonArray) -}}
{{- $_ := set $tls "secret-name" (include "coder-admission.tlsSecretName" .) -}}
{{- $_ := set $tls "serving-validity" .Values.tls.selfManaged.servingValidity -}}
{{- $_ := set $tls "renew-before" .Values.tls.selfManaged.renewBefore -}}
{{- $_ := set $tls "ca-validity" .Values.tls.selfManaged.caValidity -}}
{{- $_ := set $tls "ca-renew-before" .Values.tls.selfManaged.caRenewBefore -}}
{{- $_ := set $tls "webhook-configurations" $webhooks -}}
{{- else -}}
{{- $_ := set $tls "mode" "files" -}}
{{- $_ := set $tls "cert-file" "/etc/coder-admission/tls/tls.crt" -}}
{{- $_ := set $tls "key-file" "/etc/coder-admission/tls/tls.key" -}}
{{- end -}}
{{- $app := deepCopy .Values.config -}}
{{- $_ := set $app "server" (dict "port" 8443 "management-port" 8080) -}}
{{- $_ := set $app "kubernetes" (dict "enabled" "true") -}}
{{- $_ := set $app "leader-election" (dict "lease-name" $fullname "lease-namespace" .Release.Namespace) -}}
{{- $_ := set $app "tls" $tls -}}
{{- dict "coder-admission" $app | toYaml -}}
{{- end -}}

{{/* Webhook plumbing shared by every webhook */}}
{{- define "coder-admission.clientConfig" -}}
{{- if .root.Values.webhook.url }}
url: {{ printf "%s%s" (trimSuffix "/" .root.Values.webhook.url) .path | quote }}
{{- else }}
service:
  name: {{ include "coder-admission.fullname" .root }}
  namespace: {{ .root.Release.Namespace }}
  path: {{ .path | quote }}
  port: 443
{{- end }}
{{- $bundle := .root.Values.webhook.caBundle -}}
{{- if and (eq .root.Values.tls.mode "existing-secret") (not $bundle) -}}
{{- fail "webhook.caBundle is required with tls.mode existing-secret: the base64 PEM of the CA that signed the Secret's certificate" -}}
{{- end -}}
{{- /* self-managed: no caBundle here. The webhook injects it, and Helm's three-way merge leaves a
      field its manifests never set alone on upgrade. */ -}}
{{- if $bundle }}
caBundle: {{ $bundle }}
{{- end }}
{{- end -}}

{{- define "coder-admission.namespaceSelector" -}}
namespaceSelector:
  matchExpressions:
    - key: kubernetes.io/metadata.name
      operator: NotIn
      values: {{ concat .Values.webhook.excludeNamespaces (list .Release.Namespace) | uniq | toJson }}
{{- end -}}
