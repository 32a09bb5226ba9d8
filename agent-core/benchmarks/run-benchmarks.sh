#!/usr/bin/env bash
# Produces every figure in BENCHMARKS.md in one run:
#   1. JMH: the parser alone and the rule engine with the example rules, one thread each.
#   2. Whole processes over generated gzip objects (1M and 10M records, S3 layout with header lines):
#      decompression alone (GZIPInputStream on 1 and 2 threads), zcat, `flowwatch parse`,
#      `flowwatch run --once` with the example rules, and DuckDB computing the same counts.
#   3. Memory: a frequency rule over 1M distinct source addresses in a 512 MB heap.
# Usage: agent-core/benchmarks/run-benchmarks.sh [DATA_DIR]   (default /tmp/flowwatch-bench; ~1 GB for 10M)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
data=${1:-/tmp/flowwatch-bench}
mvn -B -q -o -DskipTests package
jar=agent-core/benchmarks/target/benchmarks.jar
dist=$(mktemp -d)/flowwatch
mkdir -p "$dist" && tar xzf packaging/target/flowwatch-*.tar.gz -C "$dist" --strip-components=1
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(java -version 2>&1 | head -1)"

echo "== JMH parser benchmark"
java -jar "$jar" ParserBenchmark -wi 3 -w 2 -i 5 -r 2 -f 1 2>&1 | grep -E '^(Benchmark|ParserBenchmark)'
echo "== JMH rule engine benchmark (example rules, 1M records per invocation)"
java -jar "$jar" RuleEngineBenchmark -wi 2 -i 5 -f 1 -jvmArgs "-Xmx2g -Dflowwatch.bench.plugins=$dist/plugins" 2>&1 \
  | grep -E '^(Benchmark|RuleEngineBenchmark)'
echo "== memory: 1M distinct keys in one frequency rule, -Xmx512m"
java -Xmx512m -Dflowwatch.bench.plugins="$dist/plugins" -cp "$jar" io.flowwatch.benchmarks.DistinctKeysCheck 1000000

timed() { # label, command...: prints wall seconds and peak RSS
  local label=$1; shift
  /usr/bin/time -f "$label: %e s wall, %U s user, %S s sys, peak RSS %M KB" "$@"
}

for n in 1000000 10000000; do
  dir="$data/$n"
  if [ ! -f "$dir/.done" ]; then
    rm -rf "$dir"
    java -cp "$jar" io.flowwatch.benchmarks.FlowLogGenerator "$dir" "$n" $((n / 100000)) >/dev/null
    touch "$dir/.done"
  fi
  files=$(find "$dir" -name '*.log.gz' | sort | tr '\n' ' ')
  echo "== $n records in $(echo $files | wc -w) gzip objects, $(du -sm "$dir" | cut -f1) MB compressed"
  timed "gunzip-baseline (GZIPInputStream, 1 thread)" java -cp "$jar" io.flowwatch.benchmarks.GunzipBaseline "$dir" 1
  timed "gunzip-baseline (GZIPInputStream, 2 threads)" java -cp "$jar" io.flowwatch.benchmarks.GunzipBaseline "$dir" 2
  timed "duckdb read_csv + rule-shaped aggregates (2 threads)" java -cp "$jar" io.flowwatch.benchmarks.DuckdbBaseline "$dir" 2
  timed "zcat | wc -l" sh -c "zcat $files | wc -l >/dev/null"
  timed "flowwatch parse > /dev/null" sh -c "$dist/bin/flowwatch parse $files >/dev/null"
  state=$(mktemp -d)
  cat > "$state/agent.conf" <<CONF
flowwatch {
  state-dir = "$state/state"
  http.enabled = false
  rules = ["$root/conf/rules.d/*.conf"]
  sources { bench { type = directory, path = "$dir" } }
  notifiers { console { type = console } }
}
CONF
  timed "flowwatch run --once (directory source, example rules)" sh -c "$dist/bin/flowwatch run --once --config $state/agent.conf >/dev/null 2>$state/log"
  grep -E "records|stopped" "$state/log" | tail -2 || true
  rm -rf "$state"
done
