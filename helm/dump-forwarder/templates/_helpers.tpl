{{/*
Expand the name of the chart.
*/}}
{{- define "dump-forwarder.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Create a default fully qualified app name, truncated at 63 characters (DNS names).
If the release name contains the chart name it is used as the full name.
*/}}
{{- define "dump-forwarder.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Chart name and version as used by the chart label.
*/}}
{{- define "dump-forwarder.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Common labels.
*/}}
{{- define "dump-forwarder.labels" -}}
helm.sh/chart: {{ include "dump-forwarder.chart" . }}
{{ include "dump-forwarder.selectorLabels" . }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
Selector labels.
*/}}
{{- define "dump-forwarder.selectorLabels" -}}
app.kubernetes.io/name: {{ include "dump-forwarder.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
The image: by digest when one is given, else by tag (the chart's appVersion by default).
*/}}
{{- define "dump-forwarder.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}
{{- end }}

{{/*
Seconds Spring may take over its shutdown phase (spring.lifecycle.timeout-per-shutdown-phase): the drain, then
20 s for what follows it. The Kafka buffer's worst case drains twice (the consumer's dumps in flight, then the
pipeline's) plus the 4 s the pipeline gives attempts on the wire, before its last commits and the producer's
flush (docs/kafka.md): 44 s at the default drain of 10 s.
*/}}
{{- define "dump-forwarder.shutdownPhaseSeconds" -}}
{{- $drain := int .Values.config.drainTimeoutSeconds -}}
{{- if eq .Values.config.buffer.type "kafka" -}}
{{- add (mul 2 $drain) 4 20 -}}
{{- else -}}
{{- add $drain 20 -}}
{{- end -}}
{{- end }}

{{/*
The collector's port for the NetworkPolicy, which sees the port of the pod a connection reaches, after a
Service translated it: networkPolicy.collectorPort; for a collector in the cluster (a host "name",
"name.namespace" or "name.namespace.svc[.<cluster domain>]", or collectorTo naming pods or namespaces) nothing
else will do, since the Service's targetPort is not in the URL, and the render fails asking for it; else the
URL's own port, or its scheme's (443 for https, 80 for http).
*/}}
{{- define "dump-forwarder.collectorPort" -}}
{{- if .Values.networkPolicy.collectorPort -}}
{{- .Values.networkPolicy.collectorPort -}}
{{- else -}}
{{- $url := urlParse .Values.config.dumpUrl -}}
{{- $host := regexReplaceAll ":[0-9]+$" $url.host "" -}}
{{- $port := regexFind ":[0-9]+$" $url.host | trimPrefix ":" | default (eq $url.scheme "https" | ternary "443" "80") -}}
{{- $peers := toString .Values.networkPolicy.collectorTo -}}
{{- $inCluster := or (contains "podSelector" $peers) (contains "namespaceSelector" $peers) -}}
{{- if not (or (hasPrefix "[" $host) (regexMatch "^[0-9.]+$" $host)) -}}
{{- $inCluster = or $inCluster (le (len (splitList "." $host)) 2) (regexMatch "\\.svc(\\..+)?$" $host) -}}
{{- end -}}
{{- if $inCluster -}}
{{- fail (printf "networkPolicy.collectorPort is required: the collector %s may be in the cluster, and a NetworkPolicy sees the port of its pods (the Service's targetPort for port %s), not the URL's" $host $port) -}}
{{- end -}}
{{- $port -}}
{{- end -}}
{{- end }}

{{/*
The job label Prometheus gives this release's scrapes: scrapeJob, else the management Service's name (the job
of the chart's ServiceMonitor). The rules, the dashboard and KEDA's query select this release by it and its
namespace.
*/}}
{{- define "dump-forwarder.job" -}}
{{- .Values.scrapeJob | default (printf "%s-management" (include "dump-forwarder.fullname" .)) -}}
{{- end }}

{{/*
The ConfigMap holding the protobuf descriptor set: an existing one, or the release's own; empty when protobuf
dumps are off.
*/}}
{{- define "dump-forwarder.protobufConfigMap" -}}
{{- if .Values.config.protobuf.existingConfigMap -}}
{{- .Values.config.protobuf.existingConfigMap -}}
{{- else if .Values.config.protobuf.descriptorSetBase64 -}}
{{- printf "%s-protobuf" (include "dump-forwarder.fullname" .) -}}
{{- end -}}
{{- end }}

{{/*
The name of the service account to use.
*/}}
{{- define "dump-forwarder.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "dump-forwarder.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The application.yml the pods read: the chart's settings, then config.extra merged over them.
*/}}
{{- define "dump-forwarder.applicationYaml" -}}
{{- $c := .Values.config -}}
{{- $ingest := dict -}}
{{- if .Values.ingestAuth.existingSecret -}}
{{- $_ := set $ingest "auth" (dict "enabled" true "tokens-file" "/etc/dump-forwarder/auth/tokens") -}}
{{- end -}}
{{- if $c.maxInflightBytes -}}
{{- $_ := set $ingest "max-inflight-bytes" $c.maxInflightBytes -}}
{{- end -}}
{{- $rateLimiter := dict "enabled" $c.rateLimiter.enabled "rate" $c.rateLimiter.rate "burst" $c.rateLimiter.burst "unit" $c.rateLimiter.unit "max-wait" $c.rateLimiter.maxWait "scope" $c.rateLimiter.scope "key" $c.rateLimiter.key "redis-timeout" $c.rateLimiter.redisTimeout -}}
{{- if $c.rateLimiter.fallbackRate -}}
{{- $_ := set $rateLimiter "fallback-rate" $c.rateLimiter.fallbackRate -}}
{{- end -}}
{{- $protobufMap := include "dump-forwarder.protobufConfigMap" . -}}
{{- if and $c.protobuf.messageType (not $protobufMap) -}}
{{- fail "config.protobuf.messageType needs a descriptor set: config.protobuf.descriptorSetBase64 or config.protobuf.existingConfigMap" -}}
{{- end -}}
{{- if $protobufMap -}}
{{- $_ := set $ingest "protobuf" (dict
  "descriptor-set" (printf "/etc/dump-forwarder/protobuf/%s" $c.protobuf.key)
  "message-type" (required "config.protobuf.messageType is required with a descriptor set: which message are the dumps?" $c.protobuf.messageType)
  "uid-field" $c.protobuf.uidField
  "trace-id-field" $c.protobuf.traceIdField) -}}
{{- end -}}
{{- $_ := set $ingest "callers" (dict "header" $c.callers.header "names" $c.callers.names "rates" $c.callers.rates "weights" $c.callers.weights "fair-share-from" $c.callers.fairShareFrom) -}}
{{- $settings := dict
  "forwarder" (dict
    "dump-url" (required "config.dumpUrl is required: where should dumps be forwarded?" $c.dumpUrl)
    "max-concurrency" $c.maxConcurrency
    "concurrency" (dict "mode" $c.concurrency.mode "min-limit" $c.concurrency.minLimit "initial-limit" $c.concurrency.initialLimit)
    "max-age" $c.maxAge
    "max-dump-size" $c.maxDumpSize
    "max-request-size" $c.maxRequestSize
    "queue" (dict "capacity" $c.queue.capacity "max-bytes" $c.queue.maxBytes)
    "client" (dict "connect-timeout" $c.client.connectTimeout "connect-rate" $c.client.connectRate "response-timeout" $c.client.responseTimeout "attempt-timeout" $c.client.attemptTimeout "max-lifetime" $c.client.maxLifetime)
    "batch" (dict "enabled" $c.batch.enabled "max-dumps" $c.batch.maxDumps "max-bytes" $c.batch.maxBytes "max-wait" $c.batch.maxWait)
    "compression" $c.compression
    "retry-after" (dict "max" $c.retryAfterMax)
    "retry" (dict "enabled" $c.retry.enabled "initial-backoff" $c.retry.initialBackoff "max-backoff" $c.retry.maxBackoff "budget-ratio" $c.retry.budgetRatio "budget-window" $c.retry.budgetWindow)
    "circuit-open" $c.circuitOpen
    "rate-limiter" $rateLimiter
    "shutdown" (dict "drain-timeout" (printf "%ds" (int $c.drainTimeoutSeconds)))
    "buffer" (dict "type" $c.buffer.type "kafka" (dict "topic" $c.buffer.kafka.topic "send-timeout" $c.buffer.kafka.sendTimeout "max-age" $c.buffer.kafka.maxAge "redelivery-backoff" $c.buffer.kafka.redeliveryBackoff "dead-letter-topic" $c.buffer.kafka.deadLetterTopic "replay" (dict "rate" $c.buffer.kafka.replayRate)))
    "ingest" $ingest)
  "resilience4j" (dict
    "circuitbreaker" (dict "configs" (dict "default" (dict
      "failure-rate-threshold" $c.circuitBreaker.failureRateThreshold
      "slow-call-duration-threshold" $c.circuitBreaker.slowCallDurationThreshold
      "slow-call-rate-threshold" $c.circuitBreaker.slowCallRateThreshold
      "minimum-number-of-calls" $c.circuitBreaker.minimumNumberOfCalls
      "wait-duration-in-open-state" $c.circuitBreaker.waitDurationInOpenState))))
  "spring" (dict "lifecycle" (dict "timeout-per-shutdown-phase" (printf "%ss" (include "dump-forwarder.shutdownPhaseSeconds" .))))
-}}
{{- if eq $c.buffer.type "kafka" -}}
{{- $k := .Values.kafka -}}
{{- $clientProperties := dict "security.protocol" $k.securityProtocol -}}
{{- if $k.saslMechanism -}}
{{- $_ := set $clientProperties "sasl.mechanism" $k.saslMechanism -}}
{{- end -}}
{{- $kafka := dict
  "bootstrap-servers" (required "kafka.bootstrapServers is required with config.buffer.type=kafka" $k.bootstrapServers)
  "consumer" (dict "group-id" $k.consumerGroup)
  "properties" $clientProperties -}}
{{- $_ := set $settings.spring "kafka" $kafka -}}
{{- end -}}
{{- if $c.tracing.enabled -}}
{{- $otlp := dict "endpoint" (required "config.tracing.otlpEndpoint is required when config.tracing.enabled: where should spans go?" $c.tracing.otlpEndpoint) -}}
{{- $_ := set $settings "management" (dict
  "tracing" (dict "export" (dict "enabled" true) "sampling" (dict "probability" $c.tracing.samplingProbability))
  "opentelemetry" (dict "tracing" (dict "export" (dict "otlp" $otlp)))) -}}
{{- end -}}
{{- mustMergeOverwrite $settings (deepCopy $c.extra) | toYaml }}
{{- end }}
