{{- define "coder.labels" -}}
app.kubernetes.io/name: coder
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: coder
{{- end -}}
