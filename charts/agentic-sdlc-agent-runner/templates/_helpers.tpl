{{/*
Chart name, truncated to 63 characters (DNS label limit).
*/}}
{{- define "agent-runner.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Fully qualified app name, truncated to 63 characters. If the release name already contains the chart
name it is used as is (so release agentic-sdlc-agent-runner-dev stays agentic-sdlc-agent-runner-dev).
*/}}
{{- define "agent-runner.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Name of a component object: fullname trimmed so that "-<component>" still fits in 63 characters.
Usage: include "agent-runner.componentName" (dict "context" . "component" "launcher")
*/}}
{{- define "agent-runner.componentName" -}}
{{- $suffix := printf "-%s" .component -}}
{{- $max := sub 63 (len $suffix) | int -}}
{{- if lt $max 1 -}}
{{- fail (printf "component name %q is too long to build a 63-character object name" .component) -}}
{{- end -}}
{{- printf "%s%s" (include "agent-runner.fullname" .context | trunc $max | trimSuffix "-") $suffix -}}
{{- end -}}

{{/*
Namespace of every namespaced object (namespaceOverride, else the release namespace).
*/}}
{{- define "agent-runner.namespace" -}}
{{- default .Release.Namespace .Values.namespaceOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Chart name and version, as used by the helm.sh/chart label.
*/}}
{{- define "agent-runner.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Selector labels: stable, never include user labels.
*/}}
{{- define "agent-runner.selectorLabels" -}}
app.kubernetes.io/name: {{ include "agent-runner.name" . }}
app.kubernetes.io/instance: {{ .Release.Name | trunc 63 | trimSuffix "-" }}
{{- end -}}

{{/*
Common labels. Usage: include "agent-runner.labels" (dict "context" . "component" "profile")
*/}}
{{- define "agent-runner.labels" -}}
{{- $ctx := .context -}}
helm.sh/chart: {{ include "agent-runner.chart" $ctx }}
{{ include "agent-runner.selectorLabels" $ctx }}
{{- with .component }}
app.kubernetes.io/component: {{ . }}
{{- end }}
app.kubernetes.io/part-of: agentic-sdlc
{{- with $ctx.Chart.AppVersion }}
app.kubernetes.io/version: {{ . | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ $ctx.Release.Service }}
{{- with $ctx.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/*
Name of the ServiceAccount agent pods run as.
*/}}
{{- define "agent-runner.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "agent-runner.componentName" (dict "context" . "component" "agent")) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/*
The agent image reference: repository@digest, else repository:tag (tag defaults to appVersion).
*/}}
{{- define "agent-runner.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/*
Name of the Secret the ExternalSecret writes and the agent pods read.
*/}}
{{- define "agent-runner.secretName" -}}
{{- default (include "agent-runner.componentName" (dict "context" . "component" "credentials")) .Values.externalSecret.target.name -}}
{{- end -}}

{{/*
Name of the (Cluster)SecretStore the ExternalSecret reads from (default: <fullname>, the store this
chart renders when secretStore.create, else one you create with that name).
*/}}
{{- define "agent-runner.secretStoreName" -}}
{{- default (include "agent-runner.fullname" .) .Values.externalSecret.secretStoreRef.name -}}
{{- end -}}

{{/*
Labels the pod-launcher puts on agent pods (the NetworkPolicy selects on them).
*/}}
{{- define "agent-runner.agentPodLabels" -}}
{{- $labels := dict -}}
{{- range $k, $v := .Values.profile.podLabels -}}
{{- $_ := set $labels $k $v -}}
{{- end -}}
{{- if eq .Values.serviceAccount.workloadIdentity.provider "azure" -}}
{{- $_ := set $labels "azure.workload.identity/use" "true" -}}
{{- end -}}
{{- $_ := set $labels "app.kubernetes.io/name" (include "agent-runner.name" .) -}}
{{- $_ := set $labels "app.kubernetes.io/instance" (.Release.Name | trunc 63 | trimSuffix "-") -}}
{{- $_ := set $labels "app.kubernetes.io/component" "agent" -}}
{{- toYaml $labels -}}
{{- end -}}

{{/*
The secret refs that are active for the git auth mode, plus every model API key (a list of dicts).
Returned as YAML; use: fromYamlArray (include "agent-runner.activeSecretRefs" .)
*/}}
{{- define "agent-runner.activeSecretRefs" -}}
{{- $s := .Values.profile.secrets -}}
{{- $mode := .Values.profile.gitAuth.mode -}}
{{- $refs := list -}}
{{- if eq $mode "token" -}}
{{- $refs = append $refs (required "profile.secrets.gitToken is required when profile.gitAuth.mode is token" $s.gitToken) -}}
{{- else if eq $mode "ssh" -}}
{{- $refs = append $refs (required "profile.secrets.sshPrivateKey is required when profile.gitAuth.mode is ssh" $s.sshPrivateKey) -}}
{{- $refs = append $refs (required "profile.secrets.sshKnownHosts is required when profile.gitAuth.mode is ssh" $s.sshKnownHosts) -}}
{{- end -}}
{{- range $s.modelApiKeys -}}
{{- $refs = append $refs . -}}
{{- end -}}
{{- toYaml $refs -}}
{{- end -}}

{{/*
The runner profile (RunnerProfileSchema of @agentic-sdlc/secrets-config) as YAML: the `profile` values
plus what the chart derives (apiVersion, image, imagePullPolicy, serviceAccountName, secretName, podLabels).
*/}}
{{- define "agent-runner.profile" -}}
{{- include "agent-runner.checkProfileEnv" . -}}
{{- $p := deepCopy .Values.profile -}}
{{- $_ := set $p "apiVersion" "agentic-sdlc.dev/v1alpha1" -}}
{{- $_ := set $p "image" (include "agent-runner.image" .) -}}
{{- $_ := set $p "imagePullPolicy" .Values.image.pullPolicy -}}
{{- $_ := set $p "serviceAccountName" (include "agent-runner.serviceAccountName" .) -}}
{{- $_ := set $p "secretName" (include "agent-runner.secretName" .) -}}
{{- $_ := set $p "podLabels" (fromYaml (include "agent-runner.agentPodLabels" .)) -}}
{{- toYaml $p -}}
{{- end -}}

{{/*
Fail fast on profile.env / profile.opencodeConfig mistakes the executor would reject at run time (the same
rules as agentEnvIssues of @agentic-sdlc/secrets-config; literal credentials are left to the executor).
*/}}
{{- define "agent-runner.checkProfileEnv" -}}
{{- $p := .Values.profile -}}
{{- $s := $p.secrets | default dict -}}
{{- $reserved := list "HOME" "TMPDIR" "GIT_SSH_COMMAND" "OPENCODE_CONFIG_CONTENT" -}}
{{- $secretEnvs := dict -}}
{{- range $k := list "gitToken" "sshPrivateKey" "sshKnownHosts" -}}
{{- with get $s $k -}}{{- $_ := set $secretEnvs .env (printf "secrets.%s" $k) -}}{{- end -}}
{{- end -}}
{{- range $i, $ref := $s.modelApiKeys -}}
{{- $_ := set $secretEnvs $ref.env (printf "secrets.modelApiKeys.%d" $i) -}}
{{- end -}}
{{- range $name, $_ := $p.env -}}
{{- if or (has $name $reserved) (hasPrefix "ASDLC_" $name) -}}
{{- fail (printf "profile.env.%s: %s is set by the agent Job itself (reserved: %s, ASDLC_*); remove it from profile.env%s" $name $name (join ", " $reserved) (ternary " and use profile.opencodeConfig" "" (eq $name "OPENCODE_CONFIG_CONTENT"))) -}}
{{- end -}}
{{- if hasKey $secretEnvs $name -}}
{{- fail (printf "profile.env.%s: %s is already the env var of profile.%s (a Secret ref); remove it from profile.env" $name $name (get $secretEnvs $name)) -}}
{{- end -}}
{{- end -}}
{{- with $p.opencodeConfig -}}
{{- if and (hasKey . "model") (ne (toString .model) (toString $p.model)) -}}
{{- fail (printf "profile.opencodeConfig.model: %q disagrees with profile.model %q (the agent always runs profile.model); remove opencodeConfig.model or set it to %q" (toString .model) (toString $p.model) (toString $p.model)) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Pod Security "restricted" contexts (used by every pod this chart renders).
*/}}
{{- define "agent-runner.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "agent-runner.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
privileged: false
capabilities:
  drop:
    - ALL
seccompProfile:
  type: RuntimeDefault
{{- end -}}
