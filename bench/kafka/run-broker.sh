#!/usr/bin/env bash
# A single-node Kafka (KRaft: broker + controller in one JVM) on 127.0.0.1:${KAFKA_PORT:-9092},
# data in a fresh temp directory, for `immunity bench --kafka 127.0.0.1:9092`. Ctrl-C stops it.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
JAVA_HOME="${JAVA_HOME:-$("$ROOT/immunity" java-home)}"
PORT="${KAFKA_PORT:-9092}"
CPORT="${KAFKA_CONTROLLER_PORT:-9093}"
if [[ ! -d "$HERE/target/libs" ]]; then
  MAVEN_OPTS=--sun-misc-unsafe-memory-access=allow JAVA_HOME="$JAVA_HOME" "$ROOT/mvnw" -B -ntp -q -f "$HERE/pom.xml" package
fi
DATA="$(mktemp -d /tmp/immunity-bench-kafka.XXXXXX)"
cat >"$DATA/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CPORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CPORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$DATA/logs
num.partitions=3
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
PROPS
CP="$HERE/target/libs/*"
"$JAVA_HOME/bin/java" -cp "$CP" kafka.tools.StorageTool format -t "$(cat /proc/sys/kernel/random/uuid | tr -d - | head -c 22)" \
  -c "$DATA/server.properties" >/dev/null
echo "Kafka on 127.0.0.1:$PORT (data $DATA)"
exec "$JAVA_HOME/bin/java" -Xmx1g -cp "$CP" kafka.Kafka "$DATA/server.properties"
