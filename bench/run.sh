#!/usr/bin/env bash
# Benchmark: the packaged service against a counting sink (bench/Sink.java), driven over 64 connections
# with a realistic ~1.7 KB dump after a JVM warm-up; then a no-op reference (nginx answering 202 at once) on
# the same port under the same load, so the service's figures read as ratios of it within one run; and between
# the two, the lean reference (bench/LeanForwarder.java, the Go client's design on bare Reactor Netty) forwarding
# to the same sink under the same load: the service's delivered/s reads as a ratio of it too.
#
# Usage: bench/run.sh [--scenario NAME] [--runs N] [--warmup SECONDS] [--duration SECONDS] [--rates LIST]
#                     [--dump small|large] [--jar PATH] [-- SERVICE_ARGS...]
#   healthy  closed loop (wrk), one dump per request in and out                         (default)
#   slow     as healthy, the sink answers every request after 300 ms
#   down     as healthy, nothing listens on the dump URL
#   shed     ingest alone: nothing listens on the dump URL and the queue holds 100 dumps, so once it is full every
#            request is refused (503 queue_full); compares the service's answers/s with the reference's
#   ndjson   closed loop, 100 dumps per ingest request (application/x-ndjson)
#   batch    as healthy, with forwarder.batch.enabled=true
#   open     open loop (hey, paced) at each of --rates dumps/s (default 2000,5000,8000): delivered %, p99,
#            the sink's p50/p99 (arrival to answer) and the service's CPU microseconds per delivered dump; then
#            the lean reference at the same rate in the same run (a "lean" row), and the service/lean ratios
#   capacity open loop at --rates (default 5000) against a sink that serves 20 requests at a time, 5 ms each
#            (4,000/s at most) and queues the rest: forwarder.concurrency.mode fixed (100) then adaptive, per run
#   ratelimit open loop at --rates (default 2000) with no rate limit, then a pod-scope and a cluster-scope
#            (redis-server on 127.0.0.1:18379) limit too high to refuse anything: what the limiter costs per dump
#   kafka    open loop at --rates (default 2000) with the memory buffer, then the Kafka buffer (a local broker
#            from scripts/kafka-local.sh on 127.0.0.1:19092, a fresh 4-partition topic per run): delivered/s,
#            the caller's p99 and the CPU per dump (the broker's own CPU is not counted)
#   tracing  open loop at --rates (default 5000) with tracing off (the default), then on at 1 % sampling,
#            spans exported over OTLP to the sink (callers send no traceparent): what tracing costs per dump
#   h2c      closed loop, one dump per request: HTTP/1.1 (wrk, 64 connections) then h2c with prior knowledge
#            (h2load, 4 connections x 32 streams) against the same service in one run: delivered/s, CPU per dump
#   gzip     open loop at --rates dumps/s (default 4000) in NDJSON bodies of 100 different dumps: plain, then the
#            same bodies gzip-compressed (Content-Encoding: gzip), against the same service in one run: delivered/s,
#            CPU and bytes on the wire per dump
#   protobuf open loop, one dump per request, the same dump sent as JSON then as protobuf (application/x-protobuf,
#            transcoded to the same JSON) against the same service in one run: a small dump (10 candidates, about
#            0.9 KB of JSON) at --rates dumps/s (default 4000), a large one (150 candidates of 12 features, about
#            77 KB of JSON, read on the ingest workers) at an eighth of it: delivered/s, CPU per dump, p99
# From a cold start, each run a fresh JVM loaded the moment it is ready, no warm-up:
#   coldstart     closed loop (wrk, 64 connections) for --duration (default 20 s), healthy sink
#   slowcollector open loop at 500 dumps/s for --duration (default 15 s), the sink answers after 92 ms
#   bigbodies     24 callers each post a 15 MB NDJSON body at once while 4 others post single dumps for 10 s:
#                 the answers by status, whether the service is still up, peak RSS
#   Each prints time to ready, accepted, success/accepted, what the sink got per accepted dump (retries may
#   deliver a dump twice) and the other outcomes.
# --dump large sends a dump of 150 candidates with 12 features each (about 38 KB) where the scenarios send the
# small one (20 candidates, 1.6 KB): e.g. --scenario open --rates 500 --dump large.
# SERVICE_ARGS go to the service, e.g. -- --forwarder.max-concurrency=50; --jar runs another build (an A/B).
# Prints one row per run (per rate for open) and, for closed loops, the median ratio to the reference.
# Needs wrk, hey and nginx (Debian packages wrk, hey, nginx-light), python3 and the jar
# (built with ./mvnw -DskipTests package when missing).
# The service runs as the container image runs it, with the chart's default memory limit (512 MiB):
# JAVA_OPTS defaults to the image's flags: "-XX:MaxRAM=512m -XX:+UseParallelGC -XX:MaxRAMPercentage=35
# -XX:+ExitOnOutOfMemoryError".
set -euo pipefail
cd "$(dirname "$0")/.."

scenario=healthy
dump=small
runs=3
warmup=40
duration=20
rates=
duration_set=0
jar=
while [ $# -gt 0 ]; do
  case "$1" in
    --scenario) scenario=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --duration) duration=$2; duration_set=1; shift 2 ;;
    --rates) rates=$2; shift 2 ;;
    --jar) jar=$2; shift 2 ;;
    --dump) dump=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
service_args=("$@")
java_opts=${JAVA_OPTS:--XX:MaxRAM=512m -XX:+UseParallelGC -XX:MaxRAMPercentage=35 -XX:+ExitOnOutOfMemoryError}
sink_delay=0
sink_capacity=0
modes=(default)
case "$scenario" in
  healthy | down | ndjson) ;;
  shed) service_args+=(--forwarder.queue.capacity=100) ;;
  open) rates=${rates:-2000,5000,8000} ;;
  capacity) sink_delay=5; sink_capacity=20; rates=${rates:-5000}; modes=(fixed adaptive) ;;
  ratelimit) rates=${rates:-2000}; modes=(nolimit pod cluster) ;;
  tracing) rates=${rates:-5000}; modes=(off sampled1pct) ;;
  h2c) ;;
  gzip) rates=${rates:-4000} ;;
  protobuf) rates=${rates:-4000}
    service_args+=(--forwarder.ingest.protobuf.descriptor-set="$(pwd)/src/test/resources/protobuf/recdump.pb"
      --forwarder.ingest.protobuf.message-type=pbrrec.AlgorithmRecomDumpReq) ;;
  kafka) rates=${rates:-2000}; modes=(memory kafka) ;;
  slow) sink_delay=300 ;;
  batch) service_args+=(--forwarder.batch.enabled=true) ;;
  coldstart) ;;
  slowcollector) sink_delay=92; [ "$duration_set" = 1 ] || duration=15 ;;
  bigbodies) ;;
  *) echo "unknown scenario $scenario" >&2; exit 2 ;;
esac

connections=64
ingest=18280
management=18281
sink=18290
work=$(mktemp -d)
service_pid=
sink_pid=
lean_pid=
redis_pid=
redis_port=18379
kafka_port=19092
kafka_started=
root=$(cd "$(dirname "$0")/.." && pwd)

for tool in wrk hey nginx python3 java; do
  command -v "$tool" >/dev/null || { echo "$tool is needed (apt-get install wrk hey nginx-light)" >&2; exit 1; }
done
if [ "$scenario" = h2c ]; then
  command -v h2load >/dev/null || { echo "h2load is needed (apt-get install nghttp2-client)" >&2; exit 1; }
fi
[ -n "$jar" ] || jar=$(find target -maxdepth 1 -name "dump-forwarder-*.jar" | head -n 1)
[ -n "$jar" ] || { ./mvnw -q -DskipTests package; jar=$(find target -maxdepth 1 -name "dump-forwarder-*.jar" | head -n 1); }

cleanup() {
  for pid in "$service_pid" "$sink_pid" "$lean_pid" "$redis_pid"; do
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi
  done
  if [ -f "$work/nginx.conf" ]; then nginx -c "$work/nginx.conf" -s stop 2>/dev/null || true; fi
  if [ -n "$kafka_started" ]; then KAFKA_PORT=$kafka_port "$root/scripts/kafka-local.sh" stop > /dev/null || true; fi
}
trap cleanup EXIT

# A realistic dump: uid, traceId, scene, model and 20 scored candidates with features; and 100 of them as NDJSON.
python3 - "$work" <<'PY'
import json, random, sys
dump = {"uid": 9007199254740993, "traceId": "4bf92f3577b34da6a3ce929d0e0e4736", "scene": "home_feed",
        "requestTime": 1763802000123, "model": "ranker-v42",
        "candidates": [{"id": 1000000 + i, "score": round(0.97 - i * 0.013, 6),
                        "features": {"ctr": 0.0312, "cvr": 0.0041, "age_days": i % 7}} for i in range(20)]}
line = json.dumps(dump, separators=(",", ":"))
open(sys.argv[1] + "/dump.json", "w").write(line)
# 100 dumps that differ as a caller's do (uid, trace id, candidates, scores), so compression is not flattered.
random.seed(7)
lines = []
for n in range(100):
    dump["uid"] = 9007199254740993 + n * 7919
    dump["traceId"] = "%032x" % random.getrandbits(128)
    dump["candidates"] = [{"id": random.randrange(1000000, 9000000), "score": round(random.random(), 6),
                           "features": {"ctr": round(random.random() / 10, 4), "cvr": round(random.random() / 100, 4),
                                        "age_days": random.randrange(30)}} for _ in range(20)]
    lines.append(json.dumps(dump, separators=(",", ":")))
open(sys.argv[1] + "/dumps.ndjson", "w").write("\n".join(lines) + "\n")
PY
if [ "$dump" = large ]; then
  python3 - "$work" <<'PY'
import json, sys
dump = {"uid": 9007199254740993, "traceId": "4bf92f3577b34da6a3ce929d0e0e4736", "scene": "home_feed",
        "requestTime": 1763802000123, "model": "ranker-v42",
        "candidates": [{"id": 1000000 + c, "score": round(0.97 - c * 0.0013, 6),
                        "features": {"feature%d" % f: round(0.0007 * (c + 1) * (f + 1), 4) for f in range(12)}}
                       for c in range(150)]}
open(sys.argv[1] + "/dump.json", "w").write(json.dumps(dump, separators=(",", ":")))
PY
fi
per_request=1
body=$work/dump.json
content_type=application/json
if [ "$scenario" = ndjson ] || [ "$scenario" = gzip ]; then
  per_request=100; body=$work/dumps.ndjson; content_type=application/x-ndjson
fi
gzip -c -6 "$work/dumps.ndjson" > "$work/dumps.ndjson.gz"
cat > "$work/post-gzip.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-ndjson"
wrk.headers["Content-Encoding"] = "gzip"
local file = io.open("$work/dumps.ndjson.gz", "rb")
wrk.body = file:read("*a")
file:close()
LUA
cat > "$work/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "$content_type"
local file = io.open("$body", "rb")
wrk.body = file:read("*a")
file:close()
LUA

# The sink runs on the application's own libraries, unpacked from the jar.
jar=$(realpath "$jar")
(cd "$work" && jar xf "$jar" BOOT-INF/lib BOOT-INF/classes)
if [ "$scenario" = protobuf ]; then
  java -cp "$work/BOOT-INF/classes:$work/BOOT-INF/lib/*" bench/ProtobufCost.java --write "$work"
fi
start_sink() {
  case "$scenario" in down | shed) return ;; esac
  java -Dreactor.netty.ioWorkerCount=1 -Xmx128m -cp "$work/BOOT-INF/lib/*" bench/Sink.java $sink $sink_delay \
    $sink_capacity > "$work/sink.log" 2>&1 &
  sink_pid=$!
  for _ in $(seq 1 60); do curl -sf -o /dev/null "http://127.0.0.1:$sink/stats" && return; sleep 0.5; done
  echo "the sink did not start: $(cat "$work/sink.log")" >&2; exit 1
}
sink_latency() { curl -s "http://127.0.0.1:$sink/latency"; }
sink_dumps() { if [ -n "$sink_pid" ]; then curl -s "http://127.0.0.1:$sink/stats" | awk '{print $2}'; else echo 0; fi; }

start_reference() {
  cat > "$work/nginx.conf" <<CONF
worker_processes auto;
pid $work/nginx.pid;
error_log $work/nginx.error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_buffer_size 256k;
  client_max_body_size 16m;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$ingest;
    location = /v1/dumps { return 202 '{"accepted":1}'; }
  }
}
CONF
  nginx -c "$work/nginx.conf"
}
stop_reference() { nginx -c "$work/nginx.conf" -s stop; sleep 1; }

# The lean reference (bench/LeanForwarder.java): the callers' Go client's design on bare Reactor Netty, with the
# service's JVM flags, forwarding to the same sink on the service's port.
start_lean() {
  # shellcheck disable=SC2086 # JAVA_OPTS is a list of flags
  java $java_opts -cp "$work/BOOT-INF/lib/*" bench/LeanForwarder.java $ingest "http://127.0.0.1:$sink/dumps" \
    > "$work/lean.log" 2>&1 &
  lean_pid=$!
  for _ in $(seq 1 300); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$ingest/")" != 000 ] && return
    sleep 0.1
  done
  echo "the lean reference did not start: $(cat "$work/lean.log")" >&2; exit 1
}
stop_lean() { kill "$lean_pid"; wait "$lean_pid" 2>/dev/null || true; lean_pid=; }

# start_service [ARGS...]: the scenario's service arguments, then these.
# It runs in the scratch directory, so the jar's own defaults apply: the repository's application.yml (which
# the service would read from its working directory) must not stand in for another build's (--jar).
start_service() {
  # shellcheck disable=SC2086 # JAVA_OPTS is a list of flags
  (cd "$work" && exec java $java_opts -jar "$jar" --server.port=$ingest --management.server.port=$management \
    --forwarder.dump-url="http://127.0.0.1:$sink/dumps" "${service_args[@]}" "$@" > "$work/service.log" 2>&1) &
  service_pid=$!
  for _ in $(seq 1 600); do curl -sf -o /dev/null "http://127.0.0.1:$management/actuator/health/readiness" && return; sleep 0.1; done
  echo "the service did not start: $(tail -n 20 "$work/service.log")" >&2; exit 1
}
stop_service() { kill "$service_pid"; wait "$service_pid" 2>/dev/null || true; service_pid=; }

hz=$(getconf CLK_TCK)
cpu_ticks() { if [ -n "$1" ]; then awk '{print $14 + $15}' "/proc/$1/stat"; else echo 0; fi; }
percent() { awk -v t="$1" -v hz="$hz" -v d="$duration" 'BEGIN {printf "%.0f", 100 * t / hz / d}'; }
metric() { curl -s "http://127.0.0.1:$management/actuator/prometheus" | awk -v name="$1" '$1 == name {printf "%.0f\n", $2}'; }
# Dumps accepted, every caller's together.
accepted_total() {
  curl -s "http://127.0.0.1:$management/actuator/prometheus" \
    | awk '/^dumps_received_total\{/ && /outcome="accepted"/ {s += $2} END {printf "%.0f\n", s}'
}
# Dumps settled with OUTCOME, every caller's together.
forwarded_total() {
  curl -s "http://127.0.0.1:$management/actuator/prometheus" \
    | awk -v o="outcome=\"$1\"" '/^dumps_forwarded_total\{/ && index($0, o) {s += $2} END {printf "%.0f\n", s}'
}
series() {
  curl -s "http://127.0.0.1:$management/actuator/prometheus" \
    | awk -v name="$1" 'index($1, name "{") == 1 && $2 != "0.0" {sub(name, ""); printf "%s ", $0}'
}
# Waits for the queue and in-flight forwards to drain, then checks the accounting identity.
settle() {
  # With the Kafka buffer, what waits in the topic is in neither gauge: wait for the identity itself.
  local unaccounted
  for _ in $(seq 1 60); do unaccounted=$(unaccounted); [ "$unaccounted" = 0 ] && break; sleep 0.5; done
  echo "$unaccounted"
}
unaccounted() {
  local accepted settled
  accepted=$(accepted_total)
  settled=$(curl -s "http://127.0.0.1:$management/actuator/prometheus" \
    | awk '/^dumps_forwarded_total\{/ {s += $2} END {printf "%.0f", s}')
  echo "$(( accepted - settled - $(metric dumps_queued) - $(metric dumps_inflight) ))"
}

# wrk_run SECONDS OUT: closed loop, 2 threads, 64 connections; wrk's own CPU seconds go to OUT.cpu.
wrk_run() {
  /usr/bin/time -f "%U %S" -o "$2.cpu" wrk -t2 -c$connections -d"${1}s" --latency -s "$work/post.lua" \
    "http://127.0.0.1:$ingest/v1/dumps" > "$2"
}
rps() { awk '/^Requests\/sec/ {print $2}' "$1"; }
percentile() { awk -v p="$2" '$1 == p {print $2}' "$1"; }
non2xx() { awk '/Non-2xx/ {print $5}' "$1" | grep . || echo 0; }
load_cpu() { awk -v d="$duration" '{printf "%.0f", 100 * ($1 + $2) / d}' "$1.cpu"; }

start_sink
echo "scenario $scenario: $runs runs, ${warmup}s warm-up, ${duration}s measured; JAVA_OPTS: $java_opts; args: ${service_args[*]:-}"

# open_row RUN LABEL RATE: hey paced at RATE dumps/s for the measured time (each worker at 100 requests/s),
# then one row: what was offered, accepted and delivered, the callers' and the sink's latencies, the service's
# peak RSS, CPU microseconds per delivered dump and, in adaptive mode, its concurrency limit at the end.
open_row() {
  local accepted_0 delivered_0 service_0 service_1 unaccounted accepted delivered out=$work/open-$1-$2.txt
  accepted_0=$(accepted_total); delivered_0=$(sink_dumps)
  service_0=$(cpu_ticks "$service_pid")
  sink_latency > /dev/null
  hey -z "${duration}s" -c $(( $3 / 100 )) -q 100 -m POST -T application/json -D "$work/dump.json" \
    "http://127.0.0.1:$ingest/v1/dumps" > "$out"
  read -r sink_p50 sink_p99 <<< "$(sink_latency)"
  limit=$(metric dumps_forward_limit); limit=${limit:--}
  unaccounted=$(settle)
  service_1=$(cpu_ticks "$service_pid")
  accepted=$(( $(accepted_total) - accepted_0 ))
  delivered=$(( $(sink_dumps) - delivered_0 ))
  paced_row "$1" "$2" "$out" "$accepted" "$delivered" "$limit" "$service_pid" $(( service_1 - service_0 ))
  [ "$unaccounted" = 0 ] || echo "     UNACCOUNTED: $unaccounted"
}

# paced_row RUN LABEL HEY_OUTPUT ACCEPTED DELIVERED LIMIT PID CPU_TICKS: one row of a paced load's figures.
paced_row() {
  printf '%-4s %8s %8s %10s %11s %9s %9s %9s %9s %9s %5s %7s %11s\n' "$1" "$2" \
    "$(awk '/Requests\/sec/ {printf "%.0f", $2}' "$3")" \
    "$(awk -v a="$4" -v d="$duration" 'BEGIN {printf "%.0f", a / d}')" \
    "$(awk -v a="$5" -v d="$duration" 'BEGIN {printf "%.0f", a / d}')" \
    "$(awk -v a="$4" -v d="$5" 'BEGIN {printf "%.2f%%", (a > 0) ? 100 * d / a : 0}')" \
    "$(awk '/ 50% in/ {printf "%.2fms", $3 * 1000}' "$3")" "$(awk '/ 99% in/ {printf "%.2fms", $3 * 1000}' "$3")" \
    "${sink_p50}ms" "${sink_p99}ms" "$6" \
    "$(awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$7/status")" \
    "$(awk -v t="$8" -v hz="$hz" -v d="$5" 'BEGIN {printf "%.0f", (d > 0) ? 1000 * 1000 * t / hz / d : 0}')"
}

# lean_row RUN RATE: the lean reference, started now, under the same paced load as open_row's; one row of what
# the sink got, the callers' latencies, its peak RSS and CPU microseconds per delivered dump. It counts nothing
# itself: accepted is what hey saw answered 2xx.
lean_row() {
  local delivered_0 lean_0 lean_1 delivered accepted out=$work/open-$1-lean-$2.txt
  start_lean
  hey -z "${warmup}s" -c 40 -q 100 -m POST -T application/json -D "$work/dump.json" \
    "http://127.0.0.1:$ingest/v1/dumps" > /dev/null
  sleep 1
  delivered_0=$(sink_dumps); lean_0=$(cpu_ticks "$lean_pid")
  sink_latency > /dev/null
  hey -z "${duration}s" -c $(( $2 / 100 )) -q 100 -m POST -T application/json -D "$work/dump.json" \
    "http://127.0.0.1:$ingest/v1/dumps" > "$out"
  read -r sink_p50 sink_p99 <<< "$(sink_latency)"
  sleep 1
  lean_1=$(cpu_ticks "$lean_pid")
  delivered=$(( $(sink_dumps) - delivered_0 ))
  accepted=$(awk '$1 ~ /^\[2[0-9][0-9]\]$/ {s += $2} END {print s + 0}' "$out")
  paced_row "$1" lean "$out" "$accepted" "$delivered" - "$lean_pid" $(( lean_1 - lean_0 ))
  stop_lean
}

# cold_row RUN: a fresh service, loaded the moment it is ready; one row of what became of the dumps.
cold_row() {
  local started ready_ms accepted success delivered out=$work/cold-$1
  started=$(date +%s%N)
  start_service
  ready_ms=$(( ($(date +%s%N) - started) / 1000000 ))
  delivered=$(sink_dumps)
  case "$scenario" in
    coldstart) wrk_run "$duration" "$out.txt" ;;
    slowcollector)
      hey -z "${duration}s" -c 5 -q 100 -m POST -T application/json -D "$work/dump.json" \
        "http://127.0.0.1:$ingest/v1/dumps" > "$out.txt" ;;
    bigbodies)
      hey -z 10s -c 4 -m POST -T application/json -D "$work/dump.json" "http://127.0.0.1:$ingest/v1/dumps" \
        > "$out.small.txt" &
      local small=$! posts=()
      for _ in $(seq 1 24); do
        curl -s -o /dev/null -w '%{http_code}\n' -H 'Content-Type: application/x-ndjson' --data-binary @"$work/big.ndjson" \
          "http://127.0.0.1:$ingest/v1/dumps" >> "$out.codes" &
        posts+=($!)
      done
      # Each caller's own end, not the service's (a job too): a dead service fails them, and that is reported below.
      wait "$small" "${posts[@]}" || true ;;
  esac
  if ! kill -0 "$service_pid" 2>/dev/null; then
    echo "$1 THE SERVICE DIED: $(grep -m1 -o 'OutOfMemoryError.*' "$work/service.log")"; service_pid=; return
  fi
  unaccounted=$(settle)
  accepted=$(accepted_total)
  success=$(forwarded_total success)
  delivered=$(( $(sink_dumps) - delivered ))
  printf '%-4s %9s %9s %12s %10s %8s %8s %7s\n' "$1" "$ready_ms" "$accepted" \
    "$(awk -v a="$accepted" -v d="$success" 'BEGIN {printf "%.4f", (a > 0) ? d / a : 0}')" \
    "$(awk -v a="$accepted" -v d="$delivered" 'BEGIN {printf "%.4f", (a > 0) ? d / a : 0}')" \
    "$(forwarded_total circuit_open)" "$(forwarded_total timeout)" \
    "$(awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$service_pid/status")"
  echo "     received: $(series dumps_received_total)"
  echo "     settled:  $(series dumps_forwarded_total)"
  echo "     attempts: $(series dumps_forward_attempts_total)"
  if [ "$scenario" = bigbodies ]; then
    echo "     15 MB bodies by status: $(sort "$out.codes" | uniq -c | awk '{printf "%s x%s ", $2, $1}')"
    echo "     single dumps by status: $(awk '$1 ~ /^\[[0-9]+\]$/ && $3 == "responses" {printf "%s x%s ", $1, $2}' "$out.small.txt")"
    echo "     ready after: $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$management/actuator/health/readiness")"
  fi
  local failures
  failures=$(grep -o 'Dump not forwarded: [a-z_0-9]* ([^)]*)' "$work/service.log" | sort | uniq -c | sort -rn | head -n 3 || true)
  [ -z "$failures" ] || echo "     failures logged (at most 5/s per outcome): $(echo "$failures" | tr -s ' \n' ' ')"
  [ "$unaccounted" = 0 ] || echo "     UNACCOUNTED: $unaccounted"
  stop_service
  cp "$work/service.log" "$out.service.log"
}

# pair_row RUN LABEL BYTES_PER_DUMP COMMAND...: runs the load COMMAND for the measured time against the running
# service and prints one row: delivered dumps/s, the service's CPU microseconds per delivered dump, the bytes a
# dump took on the wire, and the load tool's own CPU.
pair_row() {
  local run=$1 label=$2 wire=$3 delivered_0 service_0 service_1 delivered out=$work/pair-$1-$2.txt
  shift 3
  delivered_0=$(sink_dumps); service_0=$(cpu_ticks "$service_pid")
  /usr/bin/time -f "%U %S" -o "$out.cpu" "$@" > "$out"
  service_1=$(cpu_ticks "$service_pid")
  settle > /dev/null
  delivered=$(( $(sink_dumps) - delivered_0 ))
  printf '%-4s %-8s %11s %11s %10s %9s\n' "$run" "$label" \
    "$(awk -v a="$delivered" -v d="$duration" 'BEGIN {printf "%.0f", a / d}')" \
    "$(awk -v t=$(( service_1 - service_0 )) -v hz="$hz" -v d="$delivered" 'BEGIN {printf "%.1f", (d > 0) ? 1e6 * t / hz / d : 0}')" \
    "$wire" "$(load_cpu "$out")%"
}

case "$scenario" in
  h2c | gzip | protobuf)
    printf '%-4s %-8s %11s %11s %10s %9s\n' run variant delivered/s cpu-us/dump wire-B/dump load_cpu
    dump_bytes=$(stat -c %s "$work/dump.json")
    for run in $(seq 1 "$runs"); do
      start_service
      wrk_run "$warmup" "$work/warmup-$run.txt"
      settle > /dev/null
      if [ "$scenario" = h2c ]; then
        pair_row "$run" http1.1 "$dump_bytes" wrk -t2 -c$connections -d"${duration}s" -s "$work/post.lua" \
          "http://127.0.0.1:$ingest/v1/dumps"
        h2load -D 10 -c 4 -m 32 -t 2 -d "$work/dump.json" -H 'Content-Type: application/json' \
          "http://127.0.0.1:$ingest/v1/dumps" > /dev/null
        settle > /dev/null
        pair_row "$run" h2c "$dump_bytes" h2load -D "$duration" -c 4 -m 32 -t 2 -d "$work/dump.json" \
          -H 'Content-Type: application/json' "http://127.0.0.1:$ingest/v1/dumps"
        echo "     h2load: $(grep -E '^requests:|^status codes:' "$work/pair-$run-h2c.txt" | tr -s ' \n' ' ')"
        echo "     connections by protocol: $(series dumps_ingest_connections_opened_total)"
      elif [ "$scenario" = protobuf ]; then
        for size in small large; do
          # Workers of 100 requests a second each; the large dump at an eighth of the rate.
          workers=$(( rates / 100 )); [ "$size" = large ] && workers=$(( rates >= 1600 ? rates / 800 : 2 ))
          for kind in json pb; do
            type=application/json; [ "$kind" = pb ] && type=application/x-protobuf
            hey -z 5s -c "$workers" -q 100 -m POST -T "$type" -D "$work/$size.$kind" \
              "http://127.0.0.1:$ingest/v1/dumps" > /dev/null
            settle > /dev/null
            pair_row "$run" "${size:0:1}-$kind" "$(stat -c %s "$work/$size.$kind")" hey -z "${duration}s" \
              -c "$workers" -q 100 -m POST -T "$type" -D "$work/$size.$kind" "http://127.0.0.1:$ingest/v1/dumps"
            echo "     p99 ${size} ${kind}: $(awk '/ 99% in/ {printf "%.2fms", $3 * 1000}' "$work/pair-$run-${size:0:1}-$kind.txt")"
          done
        done
      else
        # Workers of 10 requests (1,000 dumps) a second each.
        workers=$(( rates / 1000 ))
        pair_row "$run" plain "$(( $(stat -c %s "$work/dumps.ndjson") / 100 ))" hey -z "${duration}s" -c "$workers" \
          -q 10 -m POST -T application/x-ndjson -D "$work/dumps.ndjson" "http://127.0.0.1:$ingest/v1/dumps"
        hey -z 10s -c "$workers" -q 10 -m POST -T application/x-ndjson -H 'Content-Encoding: gzip' \
          -D "$work/dumps.ndjson.gz" "http://127.0.0.1:$ingest/v1/dumps" > /dev/null
        settle > /dev/null
        pair_row "$run" gzip "$(( $(stat -c %s "$work/dumps.ndjson.gz") / 100 ))" hey -z "${duration}s" \
          -c "$workers" -q 10 -m POST -T application/x-ndjson -H 'Content-Encoding: gzip' -D "$work/dumps.ndjson.gz" \
          "http://127.0.0.1:$ingest/v1/dumps"
        echo "     p99 plain / gzip: $(awk '/ 99% in/ {printf "%.2fms", $3 * 1000}' "$work/pair-$run-plain.txt") / $(awk '/ 99% in/ {printf "%.2fms", $3 * 1000}' "$work/pair-$run-gzip.txt")"
        echo "     decompressed/compressed: $(series dumps_ingest_decompressed_bytes_total) / $(series dumps_ingest_compressed_bytes_total)"
      fi
      echo "     received: $(series dumps_received_total)"
      stop_service
    done
    exit 0 ;;
  coldstart | slowcollector | bigbodies)
    if [ "$scenario" = bigbodies ]; then
      python3 -c 'import sys; line = open(sys.argv[1]).read(); open(sys.argv[2], "w").write((line + "\n") * 9000)' \
        "$work/dump.json" "$work/big.ndjson"
    fi
    printf '%-4s %9s %9s %12s %10s %8s %8s %7s\n' run ready_ms accepted success/acc sink/acc circ_open timeout rss_MB
    for run in $(seq 1 "$runs"); do cold_row "$run"; done
    exit 0 ;;
esac

# mode_args MODE: the service arguments of one variant of an open-loop scenario.
mode_args() {
  local limit="--forwarder.rate-limiter.enabled=true --forwarder.rate-limiter.rate=1000000 --forwarder.rate-limiter.burst=100000"
  case "$1" in
    fixed | adaptive) echo "--forwarder.concurrency.mode=$1" ;;
    pod) echo "$limit" ;;
    cluster) echo "$limit --forwarder.rate-limiter.scope=cluster --forwarder.rate-limiter.fallback-rate=1000000 --spring.data.redis.port=$redis_port" ;;
    kafka)
      KAFKA_PORT=$kafka_port "$root/scripts/kafka-local.sh" topic "bench-$run" > /dev/null
      echo "--forwarder.buffer.type=kafka --spring.kafka.bootstrap-servers=127.0.0.1:$kafka_port --forwarder.buffer.kafka.topic=bench-$run" ;;
    sampled1pct) echo "--management.tracing.export.enabled=true --management.tracing.sampling.probability=0.01 --management.opentelemetry.tracing.export.otlp.endpoint=http://127.0.0.1:$sink/v1/traces" ;;
  esac
}

if [ "$scenario" = kafka ]; then
  KAFKA_PORT=$kafka_port "$root/scripts/kafka-local.sh" start
  kafka_started=1
fi

if [ "$scenario" = ratelimit ]; then
  command -v redis-server >/dev/null || { echo "redis-server is needed (apt-get install redis-server)" >&2; exit 1; }
  redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no > "$work/redis.log" 2>&1 &
  redis_pid=$!
fi

if [ -n "$rates" ]; then
  printf '%-4s %8s %8s %10s %11s %9s %9s %9s %9s %9s %5s %7s %11s\n' run variant offered/s accepted/s delivered/s \
    delivered p50 p99 sink_p50 sink_p99 limit rss_MB cpu-us/dump
  for run in $(seq 1 "$runs"); do
    for mode in "${modes[@]}"; do
      # shellcheck disable=SC2046 # mode_args is a list of flags
      start_service $(mode_args "$mode")
      hey -z "${warmup}s" -c 40 -q 100 -m POST -T application/json -D "$work/dump.json" \
        "http://127.0.0.1:$ingest/v1/dumps" > /dev/null
      for rate in ${rates//,/ }; do
        if [ "$mode" = default ]; then open_row "$run" "$rate" "$rate"; else open_row "$run" "$mode" "$rate"; fi \
          | tee -a "$work/rows-$run"
      done
      echo "     settled:  $(series dumps_forwarded_total)"
      [ "$scenario" != tracing ] || echo "     OTLP exports the sink received so far: $(curl -s "http://127.0.0.1:$sink/traces")"
      stop_service
    done
    if [ "$scenario" = open ]; then
      for rate in ${rates//,/ }; do
        lean_row "$run" "$rate" | tee "$work/lean-row"
        # Columns: 8 the callers' p99, 13 CPU per dump.
        awk -v rate="$rate" 'NR == FNR {if ($2 == rate) {p99 = $8 + 0; cpu = $13}; next}
          {printf "     service/lean at %s/s: CPU per dump %.2fx, p99 %.2fx\n", rate, ($13 > 0) ? cpu / $13 : 0,
            ($8 + 0 > 0) ? p99 / ($8 + 0) : 0}' "$work/rows-$run" "$work/lean-row"
      done
    fi
  done
  exit 0
fi

printf '%-4s %10s %11s %8s %8s %8s %9s %7s %10s %9s %17s\n' run accepted/s delivered/s p50 p99 non2xx deliv/acc rss_MB ref_req/s ratio "cpu svc/sink/load"
ratios=()
lean_ratios=()
answer_ratios=()
for run in $(seq 1 "$runs"); do
  start_service
  wrk_run "$warmup" "$work/warmup-$run.txt"
  unaccounted=$(settle)
  accepted_0=$(accepted_total); delivered_0=$(sink_dumps)
  service_0=$(cpu_ticks "$service_pid"); sink_0=$(cpu_ticks "$sink_pid")
  wrk_run "$duration" "$work/run-$run.txt"
  service_1=$(cpu_ticks "$service_pid"); sink_1=$(cpu_ticks "$sink_pid")
  # delivered/s counts what the sink had when the load stopped; deliv/acc also what drained after it.
  delivered_in_time=$(( $(sink_dumps) - delivered_0 ))
  unaccounted=$(( unaccounted + $(settle) ))
  accepted=$(( $(accepted_total) - accepted_0 ))
  delivered=$(( $(sink_dumps) - delivered_0 ))
  rss=$(awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$service_pid/status")
  received=$(series dumps_received_total); settled=$(series dumps_forwarded_total)
  stop_service

  start_lean
  wrk_run 15 "$work/lean-warmup-$run.txt"
  lean_delivered_0=$(sink_dumps); lean_0=$(cpu_ticks "$lean_pid")
  wrk_run "$duration" "$work/lean-$run.txt"
  lean_1=$(cpu_ticks "$lean_pid"); lean_delivered=$(( $(sink_dumps) - lean_delivered_0 ))
  stop_lean

  start_reference
  wrk_run 5 "$work/ref-warmup-$run.txt"
  wrk_run "$duration" "$work/ref-$run.txt"
  stop_reference

  delivered_rate=$(awk -v a="$delivered_in_time" -v d="$duration" 'BEGIN {printf "%.0f", a / d}')
  ratio=$(awk -v a="$delivered_rate" -v r="$(rps "$work/ref-$run.txt")" -v n=$per_request 'BEGIN {printf "%.3f", a / (r * n)}')
  ratios+=("$ratio")
  printf '%-4s %10s %11s %8s %8s %8s %9s %7s %10s %9s %17s\n' "$run" \
    "$(awk -v a="$accepted" -v d="$duration" 'BEGIN {printf "%.0f", a / d}')" "$delivered_rate" \
    "$(percentile "$work/run-$run.txt" 50%)" "$(percentile "$work/run-$run.txt" 99%)" "$(non2xx "$work/run-$run.txt")" \
    "$(awk -v a="$accepted" -v d="$delivered" 'BEGIN {printf "%.4f", (a > 0) ? d / a : 0}')" "$rss" \
    "$(awk -v r="$(rps "$work/ref-$run.txt")" 'BEGIN {printf "%.0f", r}')" "$ratio" \
    "$(percent $(( service_1 - service_0 )))/$(percent $(( sink_1 - sink_0 )))/$(load_cpu "$work/run-$run.txt")"
  lean_rate=$(awk -v a="$lean_delivered" -v d="$duration" 'BEGIN {printf "%.0f", a / d}')
  lean_ratio=$(awk -v s="$delivered_rate" -v l="$lean_rate" 'BEGIN {printf "%.3f", (l > 0) ? s / l : 0}')
  lean_ratios+=("$lean_ratio")
  answer_ratio=$(awk -v s="$(rps "$work/run-$run.txt")" -v r="$(rps "$work/ref-$run.txt")" 'BEGIN {printf "%.3f", s / r}')
  answer_ratios+=("$answer_ratio")
  echo "     answered: $(rps "$work/run-$run.txt") requests/s, $answer_ratio of the reference's"
  echo "     lean reference: $lean_rate delivered/s ($(rps "$work/lean-$run.txt") requests/s, $(non2xx "$work/lean-$run.txt") non-2xx), cpu $(percent $(( lean_1 - lean_0 )))%; service/lean $lean_ratio"
  echo "     received: $received"
  echo "     settled:  $settled"
  [ "$unaccounted" = 0 ] || echo "     UNACCOUNTED: $unaccounted"
done

# delivered dumps/s over the reference's dumps/s (requests/s x dumps per request), per run and median.
printf '%s\n' "${ratios[@]}" | sort -n > "$work/ratios"
echo "delivered/s as a ratio of the reference, per run: $(tr '\n' ' ' < "$work/ratios")"
echo "median ratio: $(awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}' "$work/ratios")"
printf '%s\n' "${answer_ratios[@]}" | sort -n > "$work/answer-ratios"
echo "median answered/s ratio (every answer, refusals included): $(awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}' "$work/answer-ratios")"
printf '%s\n' "${lean_ratios[@]}" | sort -n > "$work/lean-ratios"
echo "delivered/s of the service over the lean reference's, per run: $(tr '\n' ' ' < "$work/lean-ratios")"
echo "median service/lean: $(awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}' "$work/lean-ratios")"
