#!/usr/bin/env bash
# Start-up time of the CLI, beside `java -version` on the same machine (medians of N runs, warm file cache).
#
#   ./immunity dist                      # builds immunity-cli/target/immunity-<version>.tar.gz
#   bench/startup/measure.sh [N]         # unpacks it in a temp dir, starts a server, times the commands
#
# Prints the median wall time of: java -version; bin/immunity --version (first run: makes the CDS archive);
# bin/immunity --version; bin/immunity apvs --limit 5 against a local server; and the checkout's ./immunity --version.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
N="${1:-10}"
JAVA_HOME="$("$ROOT/immunity" java-home)"
ARCHIVE="$(ls "$ROOT"/immunity-cli/target/immunity-*.tar.gz | head -1)"
DIR="$(mktemp -d)"
trap 'kill "${SERVER:-0}" 2>/dev/null || true; rm -rf "$DIR"' EXIT
tar xzf "$ARCHIVE" -C "$DIR"
BIN="$(echo "$DIR"/immunity-*/bin/immunity)"
export XDG_CACHE_HOME="$DIR/cache" JAVA_HOME

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2)}'; }
timeit() { # timeit LABEL CMD...: prints LABEL and the median seconds of N runs
  local label="$1"; shift
  for _ in $(seq "$N"); do
    local t0 t1
    t0=$(date +%s%N); "$@" >/dev/null 2>&1; t1=$(date +%s%N)
    echo "scale=3; ($t1 - $t0) / 1000000000" | bc
  done | median | xargs printf '%-44s %s s\n' "$label"
}

PORT=18471
"$BIN" serve --port "$PORT" >/dev/null 2>&1 & SERVER=$!
until curl -sf "http://127.0.0.1:$PORT/observe/health/ready" >/dev/null; do sleep 0.1; done
curl -s -X POST "http://127.0.0.1:$PORT/api/test/trigger-apv" -H 'Content-Type: application/json' -d '{"cve_id":"CVE-2026-0001"}' >/dev/null

t0=$(date +%s%N); "$BIN" --version >/dev/null; t1=$(date +%s%N) # the first run makes the CDS archive
printf '%-44s %s s\n' "bin/immunity --version (first run: training, CDS)" "$(echo "scale=3; ($t1 - $t0) / 1000000000" | bc)"
timeit "java -version" "$JAVA_HOME/bin/java" -version
timeit "bin/immunity --version" "$BIN" --version
timeit "bin/immunity apvs --limit 5 (local server)" "$BIN" apvs --limit 5 --server "http://127.0.0.1:$PORT"
timeit "java -jar immunity-cli.jar --version (no CDS)" "$JAVA_HOME/bin/java" -jar "$(dirname "$BIN")/../lib/immunity-cli.jar" --version
timeit "./immunity --version (checkout launcher)" "$ROOT/immunity" --version
