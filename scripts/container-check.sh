#!/usr/bin/env bash
# Proves the container image on this machine: builds it on a local JRE base image, runs it with a
# read-only root filesystem against a collector on the host, posts dumps and sees them delivered, checks
# it runs as non-root, then stops it with SIGTERM and checks it drained and exited within the drain
# timeout. Prints the image size and the start-up time.
# Needs root (podman); expects the jar in target/ (./mvnw -DskipTests package).
set -euo pipefail
cd "$(dirname "$0")/.."

base=localhost/dump-forwarder-jre:17-bookworm
image=localhost/dump-forwarder:check
name=dump-forwarder-check
ingest=18080
management=18081
collector=18090
work=$(mktemp -d)
collector_pid=

cleanup() {
  podman rm -f "$name" >/dev/null 2>&1 || true
  if [ -n "$collector_pid" ]; then kill "$collector_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "FAILED: $*" >&2
  podman logs "$name" 2>&1 | tail -n 20 >&2 || true
  exit 1
}

millis() { echo $(( $(date +%s%N) / 1000000 )); }

scripts/setup-podman.sh
scripts/build-base-image.sh "$base"
ls target/dump-forwarder-*.jar >/dev/null || fail "no jar in target/: run ./mvnw -DskipTests package first"
podman build --network=host --build-arg BASE_IMAGE="$base" -t "$image" . > "$work/build.log" 2>&1 \
  || { tail -n 30 "$work/build.log"; fail "image build"; }

# A collector that takes 0.3 s per dump, so a few dumps are still queued when SIGTERM arrives.
python3 scripts/collector.py "$collector" "$work/collected" 0.3 &
collector_pid=$!

# Starts the container at the chart's 512 MiB limit (podman options may come first) and prints the
# milliseconds until readiness is UP.
run() {
  local started
  podman rm -f "$name" >/dev/null 2>&1 || true
  started=$(millis)
  podman run -d --name "$name" --network host --read-only --tmpfs /tmp --memory 512m "$@" "$image" \
    --server.port=$ingest --management.server.port=$management \
    --forwarder.dump-url=http://127.0.0.1:$collector/dumps >/dev/null
  for _ in $(seq 1 300); do
    if curl -sf -o /dev/null "http://127.0.0.1:$management/actuator/health/readiness"; then
      echo $(( $(millis) - started ))
      return 0
    fi
    sleep 0.05
  done
  fail "not ready within 15 s"
}

# Start-up to ready, three times; the median is reported.
starts=()
for _ in 1 2 3; do
  starts+=("$(run)")
done
start_median=$(printf '%s\n' "${starts[@]}" | sort -n | sed -n 2p)

# The JVM's heap share of the limit (its heap pools' maximums added up; a pool without one says -1), read
# from the service's own metrics, provided a memory pool of the named collector is there.
heap_share() {
  local scrape
  scrape=$(curl -sf "http://127.0.0.1:$management/actuator/prometheus")
  grep -q "^jvm_memory_max_bytes{.*id=\"$1\"" <<< "$scrape" || return 0
  grep '^jvm_memory_max_bytes{area="heap"' <<< "$scrape" \
    | awk '$NF > 0 {sum += $NF} END {printf "%.2f", sum / (512 * 1048576)}'
}

# The image's defaults: the parallel collector, the heap at 35% of the limit. Its young pools' maximums move
# as it sizes them (the warm-up's garbage before readiness moves them), its old generation's does not: with
# NewRatio 2, the parallel collector's default, the old generation is two thirds of the heap.
[ -n "$(heap_share "PS Old Gen")" ] || fail "the image's default collector is not the parallel one"
share=$(curl -sf "http://127.0.0.1:$management/actuator/prometheus" \
  | awk '/^jvm_memory_max_bytes\{area="heap",id="PS Old Gen"\}/ {printf "%.2f", $NF * 1.5 / (512 * 1048576)}')
awk -v s="$share" 'BEGIN {exit !(s > 0.31 && s < 0.37)}' || fail "default heap is $share of the limit, not 0.35"
default_heap=$share

# What the operator sets wins over the image's defaults, the collector and the heap share included.
run -e JAVA_TOOL_OPTIONS='-XX:+UseG1GC -XX:MaxRAMPercentage=60' >/dev/null
share=$(heap_share "G1 Old Gen")
[ -n "$share" ] || fail "JAVA_TOOL_OPTIONS=-XX:+UseG1GC did not make G1 the collector"
awk -v s="$share" 'BEGIN {exit !(s > 0.55 && s < 0.62)}' || fail "heap is $share of the limit, not the operator's 0.60"
operator_heap=$share
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
  -d '{"uid":6,"scene":"operator-flags"}' "http://127.0.0.1:$ingest/v1/dumps")
[ "$code" = 202 ] || fail "POST with the operator's JVM flags answered $code"
for _ in $(seq 1 100); do
  grep -qs '"scene":"operator-flags"' "$work/collected" && break
  sleep 0.1
done
grep -q '"scene":"operator-flags"' "$work/collected" || fail "the dump sent with the operator's JVM flags was not delivered"
run >/dev/null

user=$(podman exec "$name" id -u)
[ "$user" != "0" ] || fail "the process runs as root"
if podman exec "$name" touch /application/probe 2>/dev/null; then fail "the root filesystem is writable"; fi

for uid in 1 2 3 4 5; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
    -d "{\"uid\":900719925474099$uid,\"scene\":\"container\"}" "http://127.0.0.1:$ingest/v1/dumps")
  [ "$code" = 202 ] || fail "POST answered $code"
done

stop_started=$(millis)
podman stop --time 30 "$name" >/dev/null
stop_ms=$(( $(millis) - stop_started ))
exit_code=$(podman inspect "$name" --format '{{.State.ExitCode}}')
delivered=$(grep -c '"scene":"container"' "$work/collected" || true)
grep -q '{"uid":9007199254740991,"scene":"container"}' "$work/collected" || fail "dump not delivered byte for byte"
[ "$delivered" = 5 ] || fail "$delivered of 5 dumps delivered"
drain=$(podman logs "$name" 2>&1 | grep -o '"message":"Drain finished[^"]*' | cut -d'"' -f4) || true
[ -n "$drain" ] || fail "no drain summary in the log"
[ "$stop_ms" -lt 10000 ] || fail "took $stop_ms ms to stop, over the 10 s drain timeout"
# 143 is the JVM's exit status after SIGTERM once its shutdown hooks (the drain) have run.
[ "$exit_code" = 143 ] || fail "exit status $exit_code after SIGTERM"

size=$(podman image inspect "$image" --format '{{.Size}}')
echo "container check passed:"
echo "  image size:          $(( size / 1000000 )) MB ($image on $base)"
echo "  start to ready:      median ${start_median} ms (${starts[*]})"
echo "  JVM flags:           image defaults ParallelGC, heap ${default_heap} of 512 MiB;"
echo "                       JAVA_TOOL_OPTIONS='-XX:+UseG1GC -XX:MaxRAMPercentage=60': G1, heap ${operator_heap}, dump delivered"
echo "  runs as uid:         $user, read-only root filesystem"
echo "  delivered:           $delivered of 5 dumps, byte for byte"
echo "  SIGTERM to exit:     ${stop_ms} ms (drain timeout 10 s), exit status $exit_code"
echo "  drain:               $drain"
