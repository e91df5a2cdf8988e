{{/*
Post-install notes (NOTES.txt of this chart and of the release charts in releases/, which call it with
their dependency scope: include "agent-runner.notes" (index .Subcharts "agentic-sdlc-agent-runner")).
*/}}
{{- define "agent-runner.notes" -}}
{{- $ns := include "agent-runner.namespace" . -}}
agentic-sdlc agent runner {{ .Chart.AppVersion }} installed in namespace {{ $ns }} (release {{ .Release.Name }}).

Installed:
  - ConfigMap {{ .Values.profileConfigMap.name }} (runner profile: image {{ include "agent-runner.image" . }}, model {{ .Values.profile.model }}, git auth {{ .Values.profile.gitAuth.mode }}, parallelism {{ .Values.profile.parallelism }})
{{- if .Values.serviceAccount.create }}
  - ServiceAccount {{ include "agent-runner.serviceAccountName" . }} (workload identity: {{ .Values.serviceAccount.workloadIdentity.provider }})
{{- end }}
{{- if .Values.rbac.create }}
  - Role {{ include "agent-runner.componentName" (dict "context" . "component" "launcher") }} for the launcher{{ if not .Values.rbac.launcher.subjects }} (NOT bound: set rbac.launcher.subjects or create a RoleBinding){{ end }}
{{- end }}
{{- if .Values.externalSecret.enabled }}
  - ExternalSecret {{ include "agent-runner.fullname" . }} -> Secret {{ include "agent-runner.secretName" . }} (store: {{ .Values.externalSecret.secretStoreRef.kind }})
{{- else }}
  - skipped: ExternalSecret (externalSecret.enabled=false): create Secret {{ include "agent-runner.secretName" . }} yourself
{{- end }}
{{- if .Values.secretStore.create }}
  - SecretStore {{ include "agent-runner.fullname" . }} ({{ .Values.secretStore.provider }}, workload identity)
{{- end }}
{{- if .Values.networkPolicy.enabled }}
  - NetworkPolicy (agent egress: DNS, git host, model API)
{{- else }}
  - skipped: NetworkPolicy (networkPolicy.enabled=false)
{{- end }}

Next:
  1. Check that the credentials synced:
       kubectl -n {{ $ns }} get externalsecret,secret
  2. Run the chart's checks:
       helm test {{ .Release.Name }} -n {{ $ns }}
  3. Run tasks on this environment:
       asdlc run --env {{ trimPrefix "agent-runner-" $ns }}

{{- end -}}
