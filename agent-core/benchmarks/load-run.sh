#!/usr/bin/env bash
# Sustained-load run (issue 8, point 4): the packaged agent as a daemon, the shipped example rules,
# a steady stream of generated flow logs, for DURATION seconds; samples the process every 10 s and
# fails when memory grows or threads / file descriptors leak. A benchmark, not a CI test.
#
# Usage: agent-core/benchmarks/load-run.sh [DURATION_SECONDS]        (default 600; 60 to try it out)
# Environment (all optional):
#   RATE=20000          records per second fed to the agent
#   INTERVAL=5          seconds between objects (each holds RATE*INTERVAL records)
#   WORK=/tmp/flowwatch-load   run directory (flow logs, state, logs, CSV, summary); emptied first
#   TARBALL=packaging/target/flowwatch-*.tar.gz   the distribution to run
#   AGENT_JAVA_OPTS     JVM options; default the .deb's (/etc/default/flowwatch): 512 MB heap, G1
#   HEAP_BOUND_MB=16    most the live heap (after a full GC) may grow from the 2nd minute to the last
#   RSS_BOUND_MB=16     most the RSS outside the heap (RSS minus committed heap, just after a full
#                       GC) may grow from the 2nd minute to the last
#   FD_SLACK=0          file descriptors the last minute's max may exceed the 2nd minute's max by
#   KEEP_DATA=0         1 keeps the generated flow logs (about 35 bytes per record)
# Needs: java 17 (with jcmd), curl, awk, sort. Builds nothing: run
#   flock /tmp/flowwatch-mvn.lock mvn -B -o package -DskipTests
# first (benchmarks.jar and the tarball), or copy a built tarball into packaging/target/.
#
# Heap: a full GC is forced once a minute (jcmd GC.run) and the heap left after it is the live
# set, compared between minutes; without it G1's old generation grows in a sawtooth until a
# marking cycle, which looks like growth over ten minutes but is not. Those forced pauses are
# left out of the GC pause statistics, which cover every other pause of the run. RSS is read just
# after that GC too. After a full GC G1 keeps about three times the live set committed, so total
# RSS moves with the live heap (already bounded); the RSS check is on what lies outside the
# committed heap (native memory, metaspace, code cache, thread stacks), where a native leak shows.
# Mean RSS and total RSS after a full GC are reported beside it.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
duration=${1:-${DURATION:-600}}
rate=${RATE:-20000}
interval=${INTERVAL:-5}
work=${WORK:-/tmp/flowwatch-load}
heap_bound=${HEAP_BOUND_MB:-16}
rss_bound=${RSS_BOUND_MB:-16}
fd_slack=${FD_SLACK:-0}
sample_every=10
# How a forced full GC (jcmd GC.run) shows in the GC log.
forced_re='Pause Full \((Diagnostic Command|System.gc\(\)|Heap Inspection Initiated GC)\)'
jar=agent-core/benchmarks/target/benchmarks.jar
# shellcheck disable=SC2086 # a glob on purpose
tarball=$(ls ${TARBALL:-packaging/target/flowwatch-*.tar.gz} 2>/dev/null | head -1 || true)
[ -f "$jar" ] || { echo "load-run: $jar missing; build with mvn -B -o package -DskipTests" >&2; exit 2; }
[ -n "$tarball" ] || { echo "load-run: no packaging/target/flowwatch-*.tar.gz; build or copy one (TARBALL=...)" >&2; exit 2; }
if [ "$duration" -lt 60 ]; then echo "load-run: DURATION must be at least 60 s" >&2; exit 2; fi

# Comparison windows: the 2nd minute (the first is warm-up) against the last. A short run uses
# sixths of its length instead of minutes.
win=$(( duration >= 360 ? 60 : duration / 6 / sample_every * sample_every ))
[ "$win" -ge "$sample_every" ] || win=$sample_every

rm -rf "$work" && mkdir -p "$work/flowlogs" "$work/dist"
tar xzf "$tarball" -C "$work/dist" --strip-components=1
dist=$work/dist
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$work/agent.conf" <<CONF
flowwatch {
  state-dir = "$work/state"
  http { bind = "127.0.0.1", port = $port }
  # The shipped example rules, as the tarball has them.
  rules = ["$dist/conf/rules.d/*.conf"]
  # Records arrive at most ~2 minutes out of order here; a shorter lateness than the default 10m
  # lets 5- and 10-minute windows close (and their keys be freed) within a ten-minute run.
  allowed-lateness = 2m
  sources { load { type = directory, path = "$work/flowlogs" } }
  # The example rules notify "console"; here that name is a file notifier, so alerts go through
  # the durable outbox to a file without changing the rules.
  notifiers { console { type = file, path = "$work/alerts.jsonl" } }
}
CONF

export FLOWWATCH_NO_DEFAULTS=1
export JAVA_OPTS=${AGENT_JAVA_OPTS:--Xms64m -Xmx512m -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError}
export FLOWWATCH_OPTS="-Xlog:gc:file=$work/gc.log:uptime,level,tags:filecount=0"
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(java -version 2>&1 | head -1), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== $(basename "$tarball"), JAVA_OPTS=$JAVA_OPTS, $rate records/s in one object every ${interval}s, ${duration}s, work dir $work"

"$dist/bin/flowwatch" run --config "$work/agent.conf" >"$work/agent.out" 2>"$work/agent.log" &
pid=$!
feeder=
cleanup() {
  [ -n "$feeder" ] && kill "$feeder" 2>/dev/null || true
  kill "$pid" 2>/dev/null || true
}
trap cleanup EXIT

metrics() { curl -s --max-time 5 "http://127.0.0.1:$port/metrics" || true; }
# metric NAME_OR_NAME{LABELS}: the sum of the series that match exactly or by name prefix.
metric() { metric_fmt "$1" %.0f; }
metric_f() { metric_fmt "$1" %.1f; }
# simpleclient writes labels as {a="b",}; compare without the trailing comma. A series that is
# not there yet (no alert so far) counts as 0.
metric_fmt() {
  awk -v n="$1" -v f="$2" '{ sub(/,}$/, "}", $1) } $1 == n || index($1, n "{") == 1 { s += $NF } END { printf f, s }' "$work/metrics.txt"
}
status() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$pid/status"; }
to_mb() { awk -v b="$1" 'BEGIN { if (b == "") print ""; else printf "%.1f", b / 1048576 }'; }
# after_gc FILTER [capacity]: heap in use after the last GC pause whose line matches FILTER, in MB;
# with "capacity", the heap's committed size after that pause (the figure in parentheses).
after_gc() {
  local pick='\1 \2'
  [ "${2:-}" = capacity ] && pick='\3 \4'
  { grep -E "$1" "$work/gc.log" 2>/dev/null || true; } | tail -1 \
    | sed -nE "s/.* [0-9]+[KMG]->([0-9]+)([KMG])\(([0-9]+)([KMG])\).*/$pick/p" \
    | awk '{ v = $1; if ($2 == "K") v /= 1024; if ($2 == "G") v *= 1024; printf "%.1f", v }'
}

for _ in $(seq 1 120); do
  if curl -sf --max-time 2 "http://127.0.0.1:$port/health" >/dev/null 2>&1; then break; fi
  kill -0 "$pid" 2>/dev/null || { echo "load-run: the agent exited at start-up:" >&2; tail -20 "$work/agent.log" >&2; exit 1; }
  sleep 0.5
done
echo "== agent pid $pid up on 127.0.0.1:$port; feeding"

java -Xmx256m -cp "$jar" io.flowwatch.benchmarks.LoadFeeder "$work/flowlogs" "$rate" "$interval" "$duration" >"$work/feeder.out" 2>"$work/feeder.err" &
feeder=$!
t0=$(date +%s)
csv=$work/samples.csv
echo "t_s,rss_mb,threads,fds,heap_used_mb,heap_committed_mb,nonheap_used_mb,heap_after_gc_mb,live_heap_mb,records_fed,records_parsed,source_lag_s,outbox_depth,alerts_total,java_threads,load1,rss_after_full_gc_mb,rss_outside_heap_after_full_gc_mb" >"$csv"
for ((t = sample_every; t <= duration; t += sample_every)); do
  sleep $(( t0 + t - $(date +%s) > 0 ? t0 + t - $(date +%s) : 0 ))
  kill -0 "$pid" 2>/dev/null || { echo "load-run: the agent died at ${t}s:" >&2; tail -20 "$work/agent.log" >&2; exit 1; }
  # Read before the forced GC, so heap used and RSS are those of the running agent.
  metrics >"$work/metrics.txt"
  rss_mb=$(status VmRSS | awk '{ printf "%.1f", $1 / 1024 }'); threads=$(status Threads)
  live= rss_gc= off_heap=
  if (( t % win == 0 )); then
    jcmd "$pid" GC.run >/dev/null
    live=$(after_gc "$forced_re")
    # RSS with the heap just compacted and shrunk: the figure to compare between minutes, as the
    # RSS of a running G1 heap swings by a hundred MB or more with its sizing. G1 gives the freed
    # regions back to the OS on a background thread after the pause; give it a moment.
    sleep 3
    rss_gc=$(status VmRSS | awk '{ printf "%.1f", $1 / 1024 }')
    # G1 keeps about three times the live set committed after a full GC, so RSS follows the live
    # heap; what is left once the committed heap is taken off is native memory, metaspace, code.
    off_heap=$(awk -v r="$rss_gc" -v c="$(after_gc "$forced_re" capacity)" 'BEGIN { printf "%.1f", r - c }')
    # What the heap holds at the end of the 2nd window and at the end, to name what grew.
    if (( t == 2 * win )); then jcmd "$pid" GC.class_histogram >"$work/histogram-start.txt"; fi
    if (( t == duration )); then jcmd "$pid" GC.class_histogram >"$work/histogram-end.txt"; fi
  fi
  fds=$(ls "/proc/$pid/fd" | wc -l)
  fed=$(tail -1 "$work/feeder.out" 2>/dev/null | awk '{ print $4 }')
  echo "$t,$rss_mb,$threads,$fds,$(to_mb "$(metric 'jvm_memory_bytes_used{area="heap"}')"),$(to_mb "$(metric 'jvm_memory_bytes_committed{area="heap"}')"),$(to_mb "$(metric 'jvm_memory_bytes_used{area="nonheap"}')"),$(after_gc 'Pause Young'),$live,${fed:-0},$(metric flowwatch_records_parsed_total),$(metric_f flowwatch_source_lag_seconds),$(metric flowwatch_outbox_depth),$(metric flowwatch_alerts_total),$(metric jvm_threads_current),$(cut -d' ' -f1 /proc/loadavg),$rss_gc,$off_heap" >>"$csv"
  tail -1 "$csv"
done
wait "$feeder" || { echo "load-run: the feeder failed:" >&2; cat "$work/feeder.err" >&2; exit 1; }
feeder=
fed=$(tail -1 "$work/feeder.out" | awk '{ print $4 }')
# Keeping up: everything fed must be parsed soon after the last object.
caught_up=no
for _ in $(seq 1 60); do
  metrics >"$work/metrics.txt"
  [ "$(metric flowwatch_records_parsed_total)" -ge "$fed" ] && { caught_up=yes; break; }
  sleep 1
done
parsed=$(metric flowwatch_records_parsed_total)
kill -TERM "$pid"
stop_rc=0; wait "$pid" || stop_rc=$?
trap - EXIT
[ "${KEEP_DATA:-0}" = 1 ] || rm -rf "$work/flowlogs"

# ---- summary ----
summary=$work/summary.txt
{
  echo "sustained load: ${duration}s, $rate records/s (one object every ${interval}s), fed $fed records, parsed $parsed; caught up within 60s after the last object: $caught_up; SIGTERM exit code $stop_rc"
  echo "load average during the run (1-min, min/mean/max): $(awk -F, 'NR > 1 { v = $16; s += v; n++; if (min == "" || v < min) min = v; if (v > max) max = v } END { printf "%.2f / %.2f / %.2f", min, s / n, max }' "$csv")"
  echo "alerts written by the file notifier: $(cat "$work/alerts.jsonl" 2>/dev/null | wc -l); agent WARN/ERROR log lines: $(grep -cE 'WARN|ERROR' "$work/agent.log" || true)"
  awk -F, -v win="$win" -v d="$duration" '
    NR == 1 { next }
    { t = $1 }
    function acc(w, col, v) { if (v == "") return; S[w, col] += v; N[w, col]++; if (!((w, col) in MX) || v > MX[w, col]) MX[w, col] = v }
    {
      w = t <= win ? "first" : (t <= 2 * win ? "second" : "");
      l = t > d - win ? "last" : "";
      for (c = 2; c <= 18; c++) { if (w != "") acc(w, c, $c); if (l != "") acc(l, c, $c) }
      if (t > win) for (c = 2; c <= 18; c++) if ($c != "") { X[c] += t; Y[c] += $c; XX[c] += t * t; XY[c] += t * $c; K[c]++ }
    }
    function mean(w, col) { return N[w, col] ? S[w, col] / N[w, col] : "" }
    function slope(c) { den = K[c] * XX[c] - X[c] * X[c]; return den ? 60 * (K[c] * XY[c] - X[c] * Y[c]) / den : 0 }
    END {
      printf "%-30s %12s %12s %12s %14s %18s\n", "(window = " win "s)", "first", "second", "last", "last-second", "slope/min (2nd on)"
      split("2:RSS MB (mean),3:threads (max),4:open FDs (max),5:heap used MB (mean),6:heap committed MB (mean),7:non-heap MB (mean),8:heap after young GC MB (mean),9:live heap MB (full GC),17:RSS after full GC MB,18:RSS - heap after full GC MB", names, ",")
      for (i = 1; i <= 10; i++) {
        split(names[i], p, ":"); c = p[1] + 0; useMax = (c == 3 || c == 4)
        a = useMax ? MX["first", c] : mean("first", c); b = useMax ? MX["second", c] : mean("second", c); z = useMax ? MX["last", c] : mean("last", c)
        printf "%-30s %12.1f %12.1f %12.1f %+14.1f %+18.2f\n", p[2], a, b, z, z - b, slope(c)
        R[c, "second"] = b; R[c, "last"] = z
      }
      printf "%-30s %12.1f %12.1f %12.1f\n", "source lag s (max)", MX["first", 12], MX["second", 12], MX["last", 12]
      printf "%-30s %12.0f %12.0f %12.0f\n", "outbox depth (max)", MX["first", 13], MX["second", 13], MX["last", 13]
      printf "%-30s %12.0f %12.0f %12.0f\n", "Java threads (max)", MX["first", 15], MX["second", 15], MX["last", 15]
      split("9 18 17 3 4", need, " ")
      for (i in need) if (!N["second", need[i]] || !N["last", need[i]]) { print "VERDICT_INPUT MISSING" > "/dev/stderr"; exit }
      printf "VERDICT_INPUT %g %g %g %g %g %g %g %g %g %g\n", R[9, "second"], R[9, "last"], R[18, "second"], R[18, "last"], R[17, "second"], R[17, "last"], R[3, "second"], R[3, "last"], R[4, "second"], R[4, "last"] > "/dev/stderr"
    }' "$csv" 2>"$work/verdict.in"
  # GC pauses, every pause of the agent's life except the forced once-a-minute full GCs.
  grep -E '\] GC\([0-9]+\) Pause' "$work/gc.log" | grep -Ev "$forced_re" | sed -nE 's/.* ([0-9.]+)ms$/\1/p' | sort -n >"$work/pauses.txt"
  awk -v d="$duration" '{ p[NR] = $1; s += $1 } END {
      if (NR == 0) { print "GC pauses: none"; exit }
      i = int(0.99 * NR + 0.999999); if (i < 1) i = 1
      printf "GC pauses (forced full GCs excluded): %d pauses, total %.0f ms (%.2f%% of the run), max %.1f ms, p99 %.1f ms, median %.1f ms\n", NR, s, 100 * s / (d * 1000), p[NR], p[i], p[int((NR + 1) / 2)] }' "$work/pauses.txt"
  echo "classes whose live bytes grew most from the end of the 2nd window to the end (jcmd GC.class_histogram):"
  awk 'FNR == NR { if ($1 ~ /^[0-9]+:$/) { B[$4] = $3; I[$4] = $2 } next }
       $1 ~ /^[0-9]+:$/ { d = $3 - B[$4]; if (d > 0) printf "%12d %+14d bytes %+12d instances  %s\n", d, d, $2 - I[$4], $4 }' \
      "$work/histogram-start.txt" "$work/histogram-end.txt" 2>/dev/null | sort -rn | head -12 | cut -c14- || true
  echo "unforced full GCs: $(grep -E 'Pause Full' "$work/gc.log" | grep -Evc "$forced_re" || true); forced (jcmd GC.run once per ${win}s, and the two class histograms): $(grep -Ec "$forced_re" "$work/gc.log" || true)"
} >"$summary"

read -r live2 liveN off2 offN rss2 rssN thr2 thrN fd2 fdN < <(sed 's/^VERDICT_INPUT //' "$work/verdict.in")
fail=0
if grep -q MISSING "$work/verdict.in"; then echo "FAIL: a window has no sample of a checked column; see $csv" >>"$summary"; fail=1; fi
check() { # description, condition (awk expression over the variables)
  if awk -v live2="$live2" -v liveN="$liveN" -v off2="$off2" -v offN="$offN" -v rss2="$rss2" -v rssN="$rssN" -v thr2="$thr2" -v thrN="$thrN" \
         -v fd2="$fd2" -v fdN="$fdN" -v hb="$heap_bound" -v rb="$rss_bound" -v fs="$fd_slack" "BEGIN { exit !($2) }"; then
    echo "ok:   $1" >>"$summary"
  else
    echo "FAIL: $1" >>"$summary"; fail=1
  fi
}
check "live heap grew $(awk -v a="$live2" -v b="$liveN" 'BEGIN { printf "%+.1f", b - a }') MB from the 2nd window to the last (bound ${heap_bound} MB)" "liveN - live2 <= hb"
check "RSS outside the heap (after a full GC) grew $(awk -v a="$off2" -v b="$offN" 'BEGIN { printf "%+.1f", b - a }') MB from the 2nd window to the last (bound ${rss_bound} MB); total RSS after a full GC $(awk -v a="$rss2" -v b="$rssN" 'BEGIN { printf "%+.1f", b - a }') MB, which also follows the live heap" "offN - off2 <= rb"
check "threads: max $thr2 in the 2nd window, $thrN in the last (no growth allowed)" "thrN <= thr2"
check "open file descriptors: max $fd2 in the 2nd window, $fdN in the last (slack $fd_slack)" "fdN <= fd2 + fs"
if [ "$caught_up" = yes ]; then echo "ok:   kept up: all $fed records fed were parsed" >>"$summary"; else echo "FAIL: fell behind: $parsed of $fed records parsed 60 s after the last object" >>"$summary"; fail=1; fi
if [ "$stop_rc" = 0 ]; then echo "ok:   SIGTERM stopped the agent with exit code 0" >>"$summary"; else echo "FAIL: SIGTERM exit code $stop_rc" >>"$summary"; fail=1; fi
echo "VERDICT: $([ $fail = 0 ] && echo PASS || echo FAIL)" >>"$summary"
echo "== summary ($summary; samples in $csv, GC log $work/gc.log, agent log $work/agent.log)"
cat "$summary"
exit $fail
