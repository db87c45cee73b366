#!/usr/bin/env bash
# Benchmark: the packaged service against a counting sink, driven by wrk with a realistic ~1.6 KB dump over
# 64 connections after a JVM warm-up, then a no-op reference (nginx answering 202 at once) on the same port
# under the same load, so the service's figures can be read as ratios of it.
#
# Usage: bench/run.sh [--runs N] [--warmup SECONDS] [--duration SECONDS]
# Needs wrk and nginx (Debian packages wrk, nginx-light) and the jar (mvn -DskipTests package).
# Scenario so far: healthy sink, one dump per request, closed loop.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=3
warmup=40
duration=20
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

connections=64
ingest=18280
management=18281
sink=18290
work=$(mktemp -d)
service_pid=

for tool in wrk nginx; do
  command -v "$tool" >/dev/null || { echo "$tool is needed (apt-get install wrk nginx-light)" >&2; exit 1; }
done
jar=$(find target -maxdepth 1 -name "dump-forwarder-*.jar" | head -n 1)
[ -n "$jar" ] || { mvn -q -DskipTests package; jar=$(find target -maxdepth 1 -name "dump-forwarder-*.jar" | head -n 1); }

cleanup() {
  if [ -n "$service_pid" ]; then kill "$service_pid" 2>/dev/null || true; fi
  for conf in "$work"/nginx-*.conf; do
    if [ -f "$conf" ]; then nginx -c "$conf" -s stop 2>/dev/null || true; fi
  done
}
trap cleanup EXIT

# A realistic dump: uid, traceId, scene and 20 scored candidates with features (about 1.6 KB).
python3 - "$work/dump.json" <<'PY'
import json, sys
dump = {"uid": 9007199254740993, "traceId": "4bf92f3577b34da6a3ce929d0e0e4736", "scene": "home_feed",
        "requestTime": 1763802000123, "model": "ranker-v42",
        "candidates": [{"id": 1000000 + i, "score": round(0.97 - i * 0.013, 6),
                        "features": {"ctr": 0.0312, "cvr": 0.0041, "age_days": i % 7}} for i in range(20)]}
open(sys.argv[1], "w").write(json.dumps(dump, separators=(",", ":")))
PY
cat > "$work/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local file = io.open("$work/dump.json", "rb")
wrk.body = file:read("*a")
file:close()
LUA

# nginx CONF NAME PORT LOCATION_BLOCK WORKERS: starts an nginx of its own.
start_nginx() {
  cat > "$work/nginx-$1.conf" <<CONF
worker_processes $4;
pid $work/nginx-$1.pid;
error_log $work/nginx-$1.error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_buffer_size 64k;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$2;
    $3
    location = /status { stub_status; }
  }
}
CONF
  nginx -c "$work/nginx-$1.conf"
}

stop_nginx() { nginx -c "$work/nginx-$1.conf" -s stop; sleep 1; }

# CPU time in clock ticks of a process and its threads.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
nginx_ticks() {
  local total=0 pid
  for pid in $(pgrep -f "nginx: .*nginx-$1.conf" || true) $(pgrep -P "$(cat "$work/nginx-$1.pid")" || true); do
    total=$(( total + $(cpu_ticks "$pid") ))
  done
  echo "$total"
}
sink_requests() { curl -s "http://127.0.0.1:$sink/status" | awk '/^ [0-9]/ {print $3}'; }
metric() { curl -s "http://127.0.0.1:$management/actuator/prometheus" | awk -v name="$1" '$1 == name {printf "%.0f\n", $2}'; }

# wrk_run SECONDS OUT: closed loop, 2 threads, 64 connections; prints wrk's own CPU seconds.
wrk_run() {
  /usr/bin/time -f "%U %S" -o "$2.cpu" wrk -t2 -c$connections -d"${1}s" --latency -s "$work/post.lua" \
    "http://127.0.0.1:$ingest/v1/dumps" > "$2"
}
rps() { awk '/^Requests\/sec/ {print $2}' "$1"; }
percentile() { awk -v p="$2" '$1 == p {print $2}' "$1"; }
non2xx() { awk '/Non-2xx/ {print $5}' "$1" | grep . || echo 0; }

start_nginx sink $sink "location = /dumps { return 204; }" 1
hz=$(getconf CLK_TCK)
printf '%-4s %10s %10s %8s %8s %7s %9s %8s %12s %20s\n' run accepted/s delivered/s p50 p99 non2xx deliv/acc rss_MB ref_req/s "cpu svc/sink/wrk %"
results=()
for run in $(seq 1 "$runs"); do
  java -jar "$jar" --server.port=$ingest --management.server.port=$management \
    --forwarder.dump-url="http://127.0.0.1:$sink/dumps" > "$work/service-$run.log" 2>&1 &
  service_pid=$!
  for _ in $(seq 1 120); do curl -sf -o /dev/null "http://127.0.0.1:$management/actuator/health/readiness" && break; sleep 0.5; done

  # The sink's request counter counts its own status requests too: each read below adds one.
  sink_start=$(sink_requests)
  wrk_run "$warmup" "$work/warmup-$run.txt"
  accepted_0=$(metric 'dumps_received_total{outcome="accepted"}')
  delivered_0=$(sink_requests)
  service_0=$(cpu_ticks "$service_pid"); sink_0=$(nginx_ticks sink)
  wrk_run "$duration" "$work/run-$run.txt"
  service_1=$(cpu_ticks "$service_pid"); sink_1=$(nginx_ticks sink)
  # Let the queue drain before counting what was delivered.
  for _ in $(seq 1 30); do [ "$(metric dumps_queued)" = 0 ] && [ "$(metric dumps_inflight)" = 0 ] && break; sleep 0.5; done
  accepted_total=$(metric 'dumps_received_total{outcome="accepted"}')
  sink_end=$(sink_requests)
  accepted=$(( accepted_total - accepted_0 ))
  delivered=$(( sink_end - delivered_0 - 1 ))
  delivered_total=$(( sink_end - sink_start - 2 ))
  rss=$(awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$service_pid/status")
  curl -s "http://127.0.0.1:$management/actuator/prometheus" \
    | awk '/^dumps_forwarded_total\{/ && $2 != "0.0" {sub(/dumps_forwarded_total/, ""); printf "%s ", $0}' > "$work/outcomes-$run.txt"
  curl -s "http://127.0.0.1:$management/actuator/prometheus" \
    | awk '/^dumps_received_total\{/ && $2 != "0.0" {sub(/dumps_received_total/, ""); printf "%s ", $0}' > "$work/received-$run.txt"
  kill "$service_pid"; wait "$service_pid" 2>/dev/null || true; service_pid=

  start_nginx reference $ingest "location = /v1/dumps { return 202 '{\"accepted\":1}'; }" auto
  wrk_run 5 "$work/ref-warmup-$run.txt"
  wrk_run "$duration" "$work/ref-$run.txt"
  stop_nginx reference

  read -r wrk_user wrk_sys < "$work/run-$run.txt.cpu"
  cpu_service=$(awk -v t=$(( service_1 - service_0 )) -v hz="$hz" -v d="$duration" 'BEGIN {printf "%.0f", 100 * t / hz / d}')
  cpu_sink=$(awk -v t=$(( sink_1 - sink_0 )) -v hz="$hz" -v d="$duration" 'BEGIN {printf "%.0f", 100 * t / hz / d}')
  cpu_wrk=$(awk -v u="$wrk_user" -v s="$wrk_sys" -v d="$duration" 'BEGIN {printf "%.0f", 100 * (u + s) / d}')
  accepted_rate=$(awk -v a="$accepted" -v d="$duration" 'BEGIN {printf "%.0f", a / d}')
  delivered_rate=$(awk -v a="$delivered" -v d="$duration" 'BEGIN {printf "%.0f", a / d}')
  ratio=$(awk -v d="$delivered_total" -v a="$accepted_total" 'BEGIN {printf "%.4f", (a > 0) ? d / a : 0}')
  printf '%-4s %10s %10s %8s %8s %7s %9s %8s %12s %20s\n' "$run" "$accepted_rate" "$delivered_rate" \
    "$(percentile "$work/run-$run.txt" 50%)" "$(percentile "$work/run-$run.txt" 99%)" "$(non2xx "$work/run-$run.txt")" \
    "$ratio" "$rss" "$(rps "$work/ref-$run.txt")" "$cpu_service/$cpu_sink/$cpu_wrk"
  echo "     received: $(cat "$work/received-$run.txt")"
  echo "     settled:  $(cat "$work/outcomes-$run.txt")"
  results+=("$delivered_rate $(rps "$work/ref-$run.txt")")
done

# Ratios measured within each run, and their median.
printf '%s\n' "${results[@]}" | awk '{printf "%.3f\n", $1 / $2}' | sort -n > "$work/ratios"
echo "delivered/s as a ratio of the no-op reference's requests/s, per run: $(tr '\n' ' ' < "$work/ratios")"
echo "median ratio: $(awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}' "$work/ratios")"
