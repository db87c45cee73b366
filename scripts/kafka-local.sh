#!/usr/bin/env bash
# A single-node Kafka broker (KRaft: broker and controller in one process) on 127.0.0.1, run from the Maven
# Central artifacts with a temporary data directory: no Docker, no Kafka installation.
# Usage: scripts/kafka-local.sh start|stop|topic NAME
#   start  returns once the broker accepts connections and the topic "dumps" (KAFKA_TOPIC) exists
#   topic  creates one more topic (KAFKA_PARTITIONS partitions) on the running broker
#   stop   stops the broker and deletes its data
# KAFKA_PORT (default 9092; the controller listens on the next port), KAFKA_VERSION (default 4.2.1, the
# service's), KAFKA_PARTITIONS (default 4).
set -euo pipefail

port=${KAFKA_PORT:-9092}
version=${KAFKA_VERSION:-4.2.1}
topic=${KAFKA_TOPIC:-dumps}
partitions=${KAFKA_PARTITIONS:-4}
root=$(cd "$(dirname "$0")/.." && pwd)
state=${TMPDIR:-/tmp}/dump-forwarder-kafka-$port
# Resolved once per version and kept: the broker's class path.
cache=${TMPDIR:-/tmp}/dump-forwarder-kafka-$version

classpath() {
  if [ ! -s "$cache/classpath" ]; then
    mkdir -p "$cache"
    cat > "$cache/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local</groupId>
  <artifactId>kafka-local</artifactId>
  <version>1</version>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$version</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>$version</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-simple</artifactId><version>2.0.17</version></dependency>
  </dependencies>
</project>
POM
    (cd "$root" && ./mvnw -q -f "$cache/pom.xml" dependency:build-classpath -Dmdep.outputFile="$cache/classpath")
  fi
  cat "$cache/classpath"
}

start() {
  if [ -f "$state/pid" ] && kill -0 "$(cat "$state/pid")" 2>/dev/null; then
    echo "Kafka already running on 127.0.0.1:$port (pid $(cat "$state/pid"))"
    return
  fi
  local cp controller
  cp=$(classpath)
  controller=$((port + 1))
  rm -rf "$state" && mkdir -p "$state/data"
  cat > "$state/server.properties" <<PROPERTIES
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$state/data
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
PROPERTIES
  java -cp "$cp" kafka.tools.StorageTool format -t "$(java -cp "$cp" kafka.tools.StorageTool random-uuid)" \
    -c "$state/server.properties" > "$state/format.log" 2>&1
  nohup java -Xms256m -Xmx512m -cp "$cp" kafka.Kafka "$state/server.properties" > "$state/kafka.log" 2>&1 &
  echo $! > "$state/pid"
  for _ in $(seq 1 120); do
    if create_topic "$topic"; then
      echo "Kafka $version on 127.0.0.1:$port, topic $topic ($partitions partitions); log: $state/kafka.log"
      return
    fi
    kill -0 "$(cat "$state/pid")" 2>/dev/null || { echo "Kafka exited; see $state/kafka.log" >&2; exit 1; }
    sleep 1
  done
  echo "Kafka did not become ready in 120 s; see $state/kafka.log" >&2
  exit 1
}

# create_topic NAME: true once the topic exists.
create_topic() {
  java -cp "$(classpath)" org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$port" --create \
    --if-not-exists --topic "$1" --partitions "$partitions" --replication-factor 1 > "$state/topic.log" 2>&1
}

stop() {
  if [ -f "$state/pid" ]; then
    local pid
    pid=$(cat "$state/pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -rf "$state"
  echo "Kafka on 127.0.0.1:$port stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  topic) create_topic "${2:?usage: $0 topic NAME}" || { cat "$state/topic.log" >&2; exit 1; } ;;
  *) echo "usage: $0 start|stop|topic NAME" >&2; exit 2 ;;
esac
