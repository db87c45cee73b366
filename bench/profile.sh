#!/usr/bin/env bash
# Profile at a steady rate: the packaged service (or, with --lean, the lean reference) under an open loop (hey,
# paced) against the counting sink, as bench/run.sh's open scenario runs it. After a warm-up it records, over the
# measured time: CPU per delivered dump, CPU by thread (from /proc/PID/task/*/stat, threads of one pool summed),
# context switches per dump, a JFR recording (execution samples with full stacks, allocations) whose hottest
# frames it prints, and then, for a few seconds more, the system calls per dump (strace -c -f, which slows the
# process while it counts: its CPU figures are not the ones above).
#
# Thread names are cut to 15 characters by the kernel: the service's event loops are "dump-forwarder-", the lean
# reference's "reactor-http-ep".
#
# With --async-profiler LIB (libasyncProfiler.so, e.g. from the Maven Central jar
# tools.profiler:async-profiler:4.2:linux-x64), async-profiler samples the CPU instead of JFR (itimer, 1 ms, loaded
# into the running JVM with jcmd): native frames and system calls included, which JFR leaves out. It prints the
# samples per 1,000 dumps by part of the work (bench/cpu_parts.py); the collapsed stacks stay in the directory, and
# cpu_parts.py compares two of them (the service's and the lean reference's).
#
# Usage: bench/profile.sh [--lean] [--rate DUMPS_PER_S] [--warmup S] [--duration S] [--jar PATH]
#                         [--async-profiler LIB] [--dump small|large] [-- SERVICE_ARGS...]
# --dump large: 150 candidates with 12 features each (about 38 KB) instead of 20 candidates (1.6 KB).
# Writes the recording and the raw figures to a directory it prints. Needs hey, strace, jfr (the JDK's) and
# python3.
set -euo pipefail
cd "$(dirname "$0")/.."

lean=0
rate=4000
warmup=30
duration=20
jar=
async_profiler=
dump=small
while [ $# -gt 0 ]; do
  case "$1" in
    --lean) lean=1; shift ;;
    --rate) rate=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --jar) jar=$2; shift 2 ;;
    --async-profiler) async_profiler=$(realpath "$2"); shift 2 ;;
    --dump) dump=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
service_args=("$@")
java_opts=${JAVA_OPTS:--XX:MaxRAM=512m -XX:+UseParallelGC -XX:MaxRAMPercentage=35 -XX:+ExitOnOutOfMemoryError}
for tool in hey strace jfr python3 java; do
  command -v "$tool" >/dev/null || { echo "$tool is needed (apt-get install hey strace)" >&2; exit 1; }
done
[ -n "$jar" ] || jar=$(find target -maxdepth 1 -name "dump-forwarder-*.jar" | head -n 1)
[ -n "$jar" ] || { ./mvnw -q -DskipTests package; jar=$(find target -maxdepth 1 -name "dump-forwarder-*.jar" | head -n 1); }
jar=$(realpath "$jar")

ingest=18280
management=18281
sink=18290
work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

python3 - "$work/dump.json" "$dump" <<'PY'
import json, sys
dump = {"uid": 9007199254740993, "traceId": "4bf92f3577b34da6a3ce929d0e0e4736", "scene": "home_feed",
        "requestTime": 1763802000123, "model": "ranker-v42",
        "candidates": [{"id": 1000000 + i, "score": round(0.97 - i * 0.013, 6),
                        "features": {"ctr": 0.0312, "cvr": 0.0041, "age_days": i % 7}} for i in range(20)]}
if sys.argv[2] == "large":
    dump["candidates"] = [{"id": 1000000 + c, "score": round(0.97 - c * 0.0013, 6),
                           "features": {"feature%d" % f: round(0.0007 * (c + 1) * (f + 1), 4) for f in range(12)}}
                          for c in range(150)]
open(sys.argv[1], "w").write(json.dumps(dump, separators=(",", ":")))
PY
(cd "$work" && jar xf "$jar" BOOT-INF/lib)
java -Dreactor.netty.ioWorkerCount=1 -Xmx128m -cp "$work/BOOT-INF/lib/*" bench/Sink.java $sink 0 0 \
  > "$work/sink.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 60); do curl -sf -o /dev/null "http://127.0.0.1:$sink/stats" && break; sleep 0.5; done

recording=$work/steady.jfr
if [ "$lean" = 1 ]; then
  # shellcheck disable=SC2086 # JAVA_OPTS is a list of flags
  java $java_opts -cp "$work/BOOT-INF/lib/*" bench/LeanForwarder.java $ingest "http://127.0.0.1:$sink/dumps" \
    > "$work/process.log" 2>&1 &
else
  # shellcheck disable=SC2086 # JAVA_OPTS is a list of flags
  (cd "$work" && exec java $java_opts -jar "$jar" --server.port=$ingest --management.server.port=$management \
    --forwarder.dump-url="http://127.0.0.1:$sink/dumps" "${service_args[@]}" > "$work/process.log" 2>&1) &
fi
pid=$!
pids+=("$pid")
for _ in $(seq 1 600); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$ingest/")" != 000 ] && break
  sleep 0.1
done
# A java launched from a source file runs as a child of the launcher's JVM on some JDKs: find the real one.
jpid=$(pgrep -P "$pid" java || echo "$pid")

hz=$(getconf CLK_TCK)
threads() {
  for stat in /proc/"$jpid"/task/*/stat; do
    awk '{name = $0; sub(/^[0-9]+ \(/, "", name); sub(/\) [A-Z] .*/, "", name); n = split($0, f, ") ");
      split(f[n], g, " "); print name "\t" g[12] + g[13]}' "$stat" 2>/dev/null || true
  done | awk -F'\t' '{gsub(/[0-9]+/, "N", $1); s[$1] += $2} END {for (k in s) print k "\t" s[k]}' | sort
}
switches() { awk '/ctxt_switches/ {s += $2} END {print s}' /proc/"$jpid"/task/*/status 2>/dev/null; }
sink_dumps() { curl -s "http://127.0.0.1:$sink/stats" | awk '{print $2}'; }

hey -z "${warmup}s" -c $(( rate / 100 )) -q 100 -m POST -T application/json -D "$work/dump.json" \
  "http://127.0.0.1:$ingest/v1/dumps" > /dev/null
threads > "$work/threads-0"; switches_0=$(switches); delivered_0=$(sink_dumps)
cpu_0=$(awk '{print $14 + $15}' /proc/"$jpid"/stat)
stacks=$work/cpu.collapsed
# jcmd reads key=value as its own arguments: the agent's options go quoted.
if [ -n "$async_profiler" ]; then
  jcmd "$jpid" JVMTI.agent_load "$async_profiler" '"start,event=itimer,interval=1ms"' > /dev/null
else
  jcmd "$jpid" JFR.start name=steady settings=profile filename="$recording" > /dev/null
fi
hey -z "${duration}s" -c $(( rate / 100 )) -q 100 -m POST -T application/json -D "$work/dump.json" \
  "http://127.0.0.1:$ingest/v1/dumps" > "$work/hey.txt"
if [ -n "$async_profiler" ]; then
  jcmd "$jpid" JVMTI.agent_load "$async_profiler" "\"stop,file=$stacks,collapsed\"" > /dev/null
else
  jcmd "$jpid" JFR.stop name=steady > /dev/null
fi
sleep 1
cpu_1=$(awk '{print $14 + $15}' /proc/"$jpid"/stat)
threads > "$work/threads-1"; switches_1=$(switches); delivered=$(( $(sink_dumps) - delivered_0 ))

echo "$([ "$lean" = 1 ] && echo lean reference || echo service) at $rate dumps/s for ${duration}s: $delivered delivered," \
  "p99 $(awk '/ 99% in/ {printf "%.2f ms", $3 * 1000}' "$work/hey.txt")"
awk -v t=$(( cpu_1 - cpu_0 )) -v hz="$hz" -v d="$delivered" \
  'BEGIN {printf "CPU per dump: %.1f us (while profiled)\n", 1e6 * t / hz / d}'
echo "context switches per dump: $(awk -v s=$(( switches_1 - switches_0 )) -v d="$delivered" 'BEGIN {printf "%.2f", s / d}')"
echo "CPU by thread, % of one core:"
join -t $'\t' "$work/threads-0" "$work/threads-1" \
  | awk -F'\t' -v hz="$hz" -v d="$duration" '{p = 100 * ($3 - $2) / hz / d; if (p >= 0.3) printf "  %5.1f %s\n", p, $1}' \
  | sort -rn
if [ -n "$async_profiler" ]; then
  echo "CPU samples per 1,000 dumps by part (async-profiler; samples cover part of the CPU time, read the shares):"
  python3 bench/cpu_parts.py "$stacks" "$delivered"
else
echo "hottest frames (JFR execution samples, self):"
  jfr print --events jdk.ExecutionSample --stack-depth 1 "$recording" \
    | awk '/^[ \t]+[a-zA-Z].*line:/ {sub(/^[ \t]+/, ""); sub(/\(.*/, ""); c[$0]++; n++} END {for (f in c) printf "  %5.1f %s\n", 100 * c[f] / n, f}' \
    | sort -rn | head -n 25 || true
  echo "allocation by class (JFR samples, weight):"
  jfr print --events jdk.ObjectAllocationSample "$recording" \
    | awk '/objectClass =/ {cls = $3} /weight =/ {w = $3; u = $4; m = (u ~ /MB/) ? 1024 * 1024 : (u ~ /kB/) ? 1024 : 1;
        s[cls] += w * m; t += w * m} END {for (c in s) printf "  %5.1f %s\n", 100 * s[c] / t, c}' \
    | sort -rn | head -n 15 || true
fi

hey -z 12s -c $(( rate / 100 )) -q 100 -m POST -T application/json -D "$work/dump.json" \
  "http://127.0.0.1:$ingest/v1/dumps" > /dev/null &
load=$!
sleep 2
delivered_0=$(sink_dumps)
timeout -s INT 5 strace -c -f -p "$jpid" -o "$work/strace.txt" 2>/dev/null || true
delivered=$(( $(sink_dumps) - delivered_0 ))
wait "$load" || true
echo "system calls per dump, while strace counted ($delivered dumps delivered meanwhile):"
awk -v d="$delivered" '$1 ~ /^[0-9.]+$/ && NF >= 5 {calls = $4; name = $NF; if (name != "total" && calls / d >= 0.05)
    printf "  %6.2f %s\n", calls / d, name}' "$work/strace.txt" | sort -rn || true
echo "recording and raw figures: $work"
