#!/usr/bin/env bash
# Soak: runs the packaged service for a while (default 10 minutes) at a moderate, paced load (default 200
# dumps/s) while the collector flaps (5 s up, 5 s down), then reports heap after GC at the start and the
# end, open connections, dumps accepted against dumps accounted for, and log volume.
# Not part of CI. Usage: bench/soak.sh [seconds] [dumps-per-second]   (needs hey: apt-get install hey)
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${1:-600}
rate=${2:-200}
ingest=18180
management=18181
collector=18190
work=$(mktemp -d)
service_pid=
collector_pid=
flapper_pid=

cleanup() {
  for pid in "$flapper_pid" "$collector_pid" "$service_pid"; do
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi
  done
  pkill -f "collector.py $collector" 2>/dev/null || true
}
trap cleanup EXIT

jar=$(find target -maxdepth 1 -name "dump-forwarder-*.jar" | head -n 1)
if [ -z "$jar" ]; then
  ./mvnw -q -DskipTests package
  jar=$(find target -maxdepth 1 -name "dump-forwarder-*.jar" | head -n 1)
fi
command -v hey >/dev/null || { echo "hey is needed: apt-get install hey" >&2; exit 1; }

metric() {
  curl -s "http://127.0.0.1:$management/actuator/prometheus" | awk -v name="$1" '$1 == name {print $2}'
}
sum_metric() {
  curl -s "http://127.0.0.1:$management/actuator/prometheus" | awk -v prefix="$1" 'index($1, prefix) == 1 {s += $2} END {printf "%.0f\n", s}'
}
heap_after_gc_mb() {
  jcmd "$service_pid" GC.run >/dev/null
  jcmd "$service_pid" GC.heap_info | awk '/garbage-first heap/ {for (i = 1; i <= NF; i++) if ($i == "used") {v = $(i + 1); sub("K,?", "", v); printf "%.1f\n", v / 1024}}'
}

java -Xmx256m -jar "$jar" --server.port=$ingest --management.server.port=$management \
  --forwarder.dump-url="http://127.0.0.1:$collector/dumps" > "$work/service.log" 2>&1 &
service_pid=$!
for _ in $(seq 1 120); do
  curl -sf -o /dev/null "http://127.0.0.1:$management/actuator/health/readiness" && break
  sleep 0.5
done

# The collector flaps: 5 s up, 5 s down, for as long as the soak runs.
( while true; do
    python3 scripts/collector.py "$collector" "$work/collected" &
    collector_pid=$!
    sleep 5
    kill "$collector_pid" 2>/dev/null || true
    wait "$collector_pid" 2>/dev/null || true
    sleep 5
  done ) &
flapper_pid=$!

python3 - "$work/dump.json" <<'PY'
import json, sys
dump = {"uid": 9007199254740993, "traceId": "4bf92f3577b34da6a3ce929d0e0e4736", "scene": "home_feed",
        "candidates": [{"id": 100000 + i, "score": round(0.97 - i * 0.013, 4), "features": {"ctr": 0.031, "cvr": 0.004}} for i in range(20)]}
open(sys.argv[1], "w").write(json.dumps(dump))
PY

heap_start=$(heap_after_gc_mb)
echo "soak: ${duration}s at ${rate} dumps/s, collector flapping 5 s up / 5 s down; heap after GC at start: ${heap_start} MB"
hey -z "${duration}s" -q $(( rate / 10 )) -c 10 -m POST -T application/json -D "$work/dump.json" \
  "http://127.0.0.1:$ingest/v1/dumps" > "$work/hey.txt"

kill "$flapper_pid" 2>/dev/null || true
flapper_pid=
# Let everything in flight settle (the attempt timeout is 1 s; expired and circuit_open settle at once).
for _ in $(seq 1 60); do
  [ "$(metric dumps_queued)" = "0.0" ] && [ "$(metric dumps_inflight)" = "0.0" ] && break
  sleep 1
done

heap_end=$(heap_after_gc_mb)
accepted=$(metric 'dumps_received_total{outcome="accepted"}' | awk '{printf "%.0f", $1}')
forwarded=$(sum_metric 'dumps_forwarded_total{')
queued=$(metric dumps_queued | awk '{printf "%.0f", $1}')
inflight=$(metric dumps_inflight | awk '{printf "%.0f", $1}')
answered_202=$(awk '/\[202\]/ {print $2}' "$work/hey.txt")
connections_collector=$(ss -Htn state established "( dport = :$collector )" | wc -l)
connections_ingest=$(ss -Htn state established "( sport = :$ingest )" | wc -l)
log_lines=$(wc -l < "$work/service.log")
log_bytes=$(wc -c < "$work/service.log")

echo "results:"
echo "  heap after GC:         ${heap_start} MB at start, ${heap_end} MB at the end"
echo "  answered 202 (hey):    ${answered_202:-0}"
echo "  accepted (metrics):    $accepted"
echo "  accounted for:         $forwarded forwarded + $queued queued + $inflight in flight = $(( forwarded + queued + inflight )); unaccounted: $(( accepted - forwarded - queued - inflight ))"
echo "  outcomes:"
curl -s "http://127.0.0.1:$management/actuator/prometheus" | awk '/^dumps_forwarded_total\{/ && $2 != "0.0" {printf "    %s %s\n", $1, $2}'
echo "  open connections:      $connections_collector to the collector, $connections_ingest on the ingest port (after the load)"
echo "  pool:                  $(metric 'reactor_netty_connection_provider_total_connections{id' || true)$(sum_metric 'reactor_netty_connection_provider_total_connections{') pooled connections"
echo "  log volume:            $log_lines lines, $log_bytes bytes in ${duration}s"
echo "  latency (hey):         $(grep -E 'Average|99%' "$work/hey.txt" | tr -s ' ' | tr '\n' ' ')"
