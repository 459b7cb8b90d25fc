{{/* The operator's name: <release>-operator, cut to a DNS label. */}}
{{- define "runnel.operatorName" -}}
{{- printf "%s-operator" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "runnel.serviceAccountName" -}}
{{- default (include "runnel.operatorName" .) .Values.serviceAccount.name -}}
{{- end -}}

{{- define "runnel.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* Namespaces the operator watches when watch.scope is Namespace. */}}
{{- define "runnel.watchedNamespaces" -}}
{{- if .Values.watch.namespaces -}}
{{- .Values.watch.namespaces | toJson -}}
{{- else -}}
{{- list .Release.Namespace | toJson -}}
{{- end -}}
{{- end -}}

{{- define "runnel.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/name: runnel
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "runnel.operatorSelector" -}}
app.kubernetes.io/name: runnel
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end -}}
