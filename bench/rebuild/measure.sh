#!/usr/bin/env bash
# Measures the server's rebuild from Kafka beside kcat reading the same topics whole.
#
#   bench/kafka/run-broker.sh &                 # a broker on 127.0.0.1:9092 (fresh data directory)
#   bench/rebuild/measure.sh 50000              # 50,000 APVs + their patch lifecycles (~247,000 records)
#   bench/rebuild/measure.sh 200000             # ~988,000 records
#
# Prints: records produced, kcat's time to read both topics, the server's time from start to ready and its
# records/s, and the heap the kept state takes (after a full GC, less an empty server's) per APV held.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
N="${1:-50000}"
BROKER="${BROKER:-127.0.0.1:9092}"
TAG="rebuild-$N-$$"
APV_TOPIC="$TAG.apv"; PATCH_TOPIC="$TAG.patches"
DATA="$(mktemp -d)"
JAVA_HOME="$("$ROOT/immunity" java-home)"
command -v kcat >/dev/null || { echo "measure.sh: kcat is needed (apt-get install kcat)" >&2; exit 1; }

python3 "$HERE/make-records.py" "$N" "$DATA"
kcat -P -b "$BROKER" -t "$APV_TOPIC" -K$'\t' -l "$DATA/apv.tsv"
kcat -P -b "$BROKER" -t "$PATCH_TOPIC" -K$'\t' -l "$DATA/patches.tsv"
RECORDS=$(( $(wc -l <"$DATA/apv.tsv") + $(wc -l <"$DATA/patches.tsv") ))
BYTES=$(( $(stat -c %s "$DATA/apv.tsv") + $(stat -c %s "$DATA/patches.tsv") ))
echo "produced $RECORDS records ($((BYTES / 1024 / 1024)) MB) to $APV_TOPIC and $PATCH_TOPIC"

t0=$(date +%s.%N)
kcat -C -b "$BROKER" -t "$APV_TOPIC" -o beginning -e -q >/dev/null
kcat -C -b "$BROKER" -t "$PATCH_TOPIC" -o beginning -e -q >/dev/null
t1=$(date +%s.%N)
echo "kcat read both topics in $(echo "$t1 - $t0" | bc) s"

serve() { # serve APV_TOPIC PATCH_TOPIC PORT: starts a server, waits until ready, prints seconds to ready and the pid
  local start pid
  start=$(date +%s.%N)
  IMMUNITY_KAFKA_APV_TOPIC="$1" IMMUNITY_KAFKA_PATCHES_TOPIC="$2" IMMUNITY_KAFKA_DLQ_TOPIC="$1.dlq" \
    IMMUNITY_KAFKA_GROUP_ID="$TAG-$3" "$ROOT/immunity" serve --kafka "$BROKER" --port "$3" >"$DATA/serve-$3.log" 2>&1 &
  pid=$!
  until curl -sf "http://127.0.0.1:$3/observe/health/ready" >/dev/null 2>&1; do sleep 0.05; done
  echo "$(echo "$(date +%s.%N) - $start" | bc) $pid"
}
heap_used() { # after a full GC, in KB
  "$JAVA_HOME/bin/jcmd" "$1" GC.run >/dev/null
  "$JAVA_HOME/bin/jcmd" "$1" GC.heap_info | sed -n 's/.* used \([0-9]*\)K.*/\1/p' | head -1
}

read -r EMPTY_S EMPTY_PID < <(serve "$TAG.empty.apv" "$TAG.empty.patches" 18191)
EMPTY_KB=$(heap_used "$EMPTY_PID"); kill "$EMPTY_PID"
echo "empty topics: ready in $EMPTY_S s, heap $EMPTY_KB KB"
read -r FULL_S FULL_PID < <(serve "$APV_TOPIC" "$PATCH_TOPIC" 18192)
FULL_KB=$(heap_used "$FULL_PID")
HELD=$(curl -s "http://127.0.0.1:18192/observe/health" | sed -n 's/.*"apvs_held":\([0-9]*\).*/\1/p')
kill "$FULL_PID"
echo "server: ready in $FULL_S s ($(echo "$RECORDS / ($FULL_S - $EMPTY_S)" | bc) records/s beyond an empty start)"
echo "heap: $FULL_KB KB with $HELD APVs held, $(( (FULL_KB - EMPTY_KB) * 1024 / HELD )) bytes per APV" \
     "(its JSON: $(( $(stat -c %s "$DATA/apv.tsv") / N )) bytes)"
rm -rf "$DATA"
