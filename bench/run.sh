#!/usr/bin/env bash
# End-to-end throughput benchmark of meta-audience-sync (see bench/README.md).
#
#   bench/run.sh                         # 1 M and 10 M rows, -Xmx256m, Graph path + dry-run path + baseline
#   BENCH_SIZES=1000000 bench/run.sh     # one size only
#   BENCH_JFR=1 bench/run.sh             # also record JFR during processing and print the top 5 hot spots
#
# Environment: BENCH_WORK (default /tmp/mas-bench: generated CSVs are cached there), BENCH_SIZES,
# BENCH_XMX (default 256m, same for every size so heap peaks compare), BENCH_MODES (default "graph dryrun"),
# BENCH_JFR (0/1), BENCH_SEED (default 42), BENCH_JAVA_OPTS (extra JVM options for the service),
# BENCH_JAR (the service jar; default target/meta-audience-sync.jar: give an older build to compare),
# BENCH_BASELINE (1: run the baseline; 0: skip it, e.g. when timing only the service),
# BENCH_DB_OPTS (appended to the H2 URL; default ";WRITE_DELAY=0", the commit-time writes of config/application.yaml),
# BENCH_WEBHOOK (1: also run the webhook load helper when it exists; 0: skip),
# BENCH_WARMUP (rows of a warm-up file dropped and finished before the measured one; default 0 = cold JVM),
# BENCH_WARMUP_FILES (how many such warm-up files, one after the other; default 1),
# BENCH_HISTO (1: after the run, a full GC and a class histogram of the live objects in the run directory),
# BENCH_LABEL (names the run directories $BENCH_WORK/run-LABEL-SIZE-MODE and the table rows; default "current"),
# BENCH_KEEP (1: keep each run's outbox and database; default 0 deletes them after the run, keeping logs and reports).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${BENCH_WORK:-/tmp/mas-bench}
SIZES=${BENCH_SIZES:-"1000000 10000000"}
XMX=${BENCH_XMX:-256m}
MODES=${BENCH_MODES:-"graph dryrun"}
# the admin API (/api/status, polled for the end of a run) needs the admin credentials in live mode
BENCH_ADMIN="bench:bench-$$-$RANDOM"
JFR=${BENCH_JFR:-0}
SEED=${BENCH_SEED:-42}
WARMUP=${BENCH_WARMUP:-0}
WARMUP_FILES=${BENCH_WARMUP_FILES:-1}
LABEL=${BENCH_LABEL:-current}
JAR=${BENCH_JAR:-"$ROOT/target/meta-audience-sync.jar"}
TCLS="$ROOT/target/test-classes"
HZ=$(getconf CLK_TCK)
mkdir -p "$WORK/data"
RESULTS="$WORK/results.$$.txt"
: > "$RESULTS"

log() { echo "[bench] $*" >&2; }

if [[ ! -f "$ROOT/target/meta-audience-sync.jar" || ! -f "$TCLS/com/metaaudiencesync/bench/Baseline.class" ]]; then
  log "building (mvn -q -DskipTests package)"
  (cd "$ROOT" && mvn -q -DskipTests package)
fi
# run a snapshot of the jar, so a rebuild during the benchmark cannot pull classes from under a running service
SNAP="$WORK/service-$$.jar"
cp "$JAR" "$SNAP"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -f "$SNAP"; }
trap cleanup EXIT
JAR=$SNAP
CPFILE="$WORK/test-classpath.txt"
if [[ ! -s "$CPFILE" || "$ROOT/pom.xml" -nt "$CPFILE" ]]; then
  log "resolving the test classpath"
  (cd "$ROOT" && mvn -q dependency:build-classpath -Dmdep.outputFile="$CPFILE" -Dmdep.includeScope=test)
fi
CP="$TCLS:$ROOT/target/classes:$(cat "$CPFILE")"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
sys_ticks() { awk '{print $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
# thread_ticks PID: "tid ticks name" for every thread of PID (name = the thread's name, cut to 15 characters by Linux)
thread_ticks() {
  local t
  for t in /proc/"$1"/task/*; do
    [[ -r $t/stat ]] || continue
    awk -v tid="${t##*/}" '{ s=$0; sub(/^[^(]*\(/, "", s); n=s; sub(/\).*$/, "", n); sub(/^.*\) /, "", s); split(s, f, " ");
      gsub(/ /, "_", n); print tid, f[12]+f[13], n }' "$t/stat" 2>/dev/null
  done
}
# thread_cpu BEFORE AFTER: CPU seconds per kind of thread between two thread_ticks snapshots, largest first
thread_cpu() {
  awk -v hz="$HZ" 'NR==FNR { b[$1]=$2; next }
    { d=$2-(($1 in b)?b[$1]:0); n=$3; gsub(/[#]?[0-9]+$/, "", n); sub(/_-_.*$/, "", n); sub(/_+$/, "", n); c[n]+=d; t+=d }
    END { for (n in c) if (c[n] > 0) printf "%s %.1f\n", n, c[n]/hz; printf "TOTAL %.1f\n", t/hz }' "$1" "$2" \
    | sort -k2 -nr | awk '{ printf "%s=%ss ", $1, $2 } END { print "" }'
}
now_ns() { date +%s%N; }

# ------------------------------------------------------------------ input files (fixed seed, streamed)
for spec in $(for n in $SIZES; do echo "$n:$SEED"; done) $([[ $WARMUP -gt 0 ]] && echo "$WARMUP:$((SEED+1))"); do
  n=${spec%%:*}; sd=${spec##*:}
  f="$WORK/data/rows-$n-seed$sd.csv"
  if [[ ! -s "$f" ]]; then
    log "generating $f"
    java -cp "$CP" com.metaaudiencesync.bench.BenchCsvGenerator "$f" "$n" "$sd"
  fi
done

# ------------------------------------------------------------------ heap peaks from -Xlog:gc
# prints "peak_before_MB peak_after_MB" (used heap before a GC = highest occupancy; after = live set)
gc_peaks() {
  grep -oE '[0-9]+M->[0-9]+M\([0-9]+M\)' "$1" 2>/dev/null \
    | awk -F'[M>(-]+' '{ if ($1>b) b=$1; if ($2>a) a=$2 } END { printf "%d %d\n", b+0, a+0 }'
}

# wait_done PID PORT DIR NAME: until NAME is in .done and no batch is queued (0) or the service died / NAME failed (1)
wait_done() {
  local pid=$1 sp=$2 d=$3 name=$4
  while kill -0 "$pid" 2>/dev/null; do
    if [[ -e "$d/inbox/.done/$name" ]]; then
      local q; q=$(curl -sf -u "$BENCH_ADMIN" "http://127.0.0.1:$sp/api/status" | python3 -c 'import json,sys; print(json.load(sys.stdin)["queuedBatches"])' 2>/dev/null || echo x)
      if [[ $q == 0 ]]; then return 0; fi
    elif [[ -e "$d/inbox/.failed/$name" ]]; then return 1
    fi
    sleep 0.05
  done
  return 1
}

# ------------------------------------------------------------------ one service run
# run_service SIZE MODE  -> appends a result line
run_service() {
  local n=$1 mode=$2
  local src="$WORK/data/rows-$n-seed$SEED.csv"
  local d="$WORK/run-$LABEL-$n-$mode"
  rm -rf "$d"; mkdir -p "$d/inbox" "$d/stage" "$d/outbox"
  local sp fp token fake_pid=""
  sp=$(free_port)
  local graph_args=()
  if [[ $mode == graph ]]; then
    fp=$(free_port)
    token="bench-$RANDOM$RANDOM"
    # shellcheck disable=SC2086
    FAKE_GRAPH_TOKEN=$token java -Xmx1g ${BENCH_FAKE_OPTS:-} -cp "$CP" com.metaaudiencesync.fake.FakeGraphApi --port "$fp" --count-only --report-seconds 3600 --warm-up-requests "${BENCH_FAKE_WARMUP:-30}" \
      > "$d/fake.log" 2>&1 &
    fake_pid=$!
    PIDS+=("$fake_pid")
    for _ in $(seq 1 600); do grep -q "listening on" "$d/fake.log" 2>/dev/null && break; sleep 0.1; done
    graph_args=(--meta.graph-url="http://127.0.0.1:$fp" --meta.access-token="$token")
  fi
  local jvm=(-Xmx"$XMX" -Xlog:gc:file="$d/gc.log")
  # shellcheck disable=SC2206
  [[ -n "${BENCH_JAVA_OPTS:-}" ]] && jvm+=($BENCH_JAVA_OPTS)
  local t_launch; t_launch=$(now_ns)
  java "${jvm[@]}" -jar "$JAR" \
    --server.port="$sp" "${graph_args[@]}" --meta.ad-account-id=123 \
    --spring.security.user.name="${BENCH_ADMIN%%:*}" --spring.security.user.password="${BENCH_ADMIN#*:}" \
    --sync.inbox="$d/inbox" --sync.outbox="$d/outbox" --spring.datasource.url="jdbc:h2:file:$d/db${BENCH_DB_OPTS-;WRITE_DELAY=0}" \
    --sync.file.poll-delay=100 --sync.file.read-lock-check-interval=100 \
    --sync.send.max-requests-per-second=1000 ${BENCH_SERVICE_ARGS:-} \
    > "$d/service.log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  local ready=0
  for _ in $(seq 1 3000); do   # ready = the application has started (routes included), not just the web server
    if grep -q "Started MetaAudienceSyncApplication" "$d/service.log" 2>/dev/null \
       && curl -sf -u "$BENCH_ADMIN" "http://127.0.0.1:$sp/api/status" >/dev/null 2>&1; then ready=1; break; fi
    kill -0 $pid 2>/dev/null || break
    sleep 0.1
  done
  if [[ $ready != 1 ]]; then log "service did not start, see $d/service.log"; kill $pid $fake_pid 2>/dev/null || true; return 1; fi
  local startup_s; startup_s=$(awk -v a="$t_launch" -v b="$(now_ns)" 'BEGIN{printf "%.1f", (b-a)/1e9}')
  sleep 2 # let start-up work (account probe, timers) settle
  if [[ $WARMUP -gt 0 ]]; then
    # first files (other audiences) through the same path, so the measured file meets a warmed-up JVM, as in a
    # long-running service; the cold figure is the run with BENCH_WARMUP=0
    local w
    for w in $(seq 1 "$WARMUP_FILES"); do
      local wname=warmup.csv; [[ $WARMUP_FILES -gt 1 ]] && wname="warmup$w.csv"
      ln "$WORK/data/rows-$WARMUP-seed$((SEED+1)).csv" "$d/stage/$wname"
      mv "$d/stage/$wname" "$d/inbox/$wname"
      wait_done "$pid" "$sp" "$d" "$wname" || true
    done
  fi
  if [[ $JFR == 1 ]]; then jcmd $pid JFR.start name=bench settings="${BENCH_JFR_SETTINGS:-profile}" filename="$d/processing.jfr" >/dev/null; fi
  local cpu0; cpu0=$(cpu_ticks $pid)
  local sys0; sys0=$(sys_ticks $pid)
  thread_ticks $pid > "$d/threads.before"
  local fcpu0=0; [[ -n $fake_pid ]] && { fcpu0=$(cpu_ticks $fake_pid); thread_ticks $fake_pid > "$d/fake-threads.before"; }
  ln "$src" "$d/stage/bench.csv"
  local t0; t0=$(now_ns)
  mv "$d/stage/bench.csv" "$d/inbox/bench.csv"            # the drop: one atomic rename
  log "$n $mode: dropped at $(date -u -d @"${t0:0:10}.${t0:10:3}" +%H:%M:%S.%3N) (UTC, to compare with the service log's times)"
  local done_=0
  wait_done "$pid" "$sp" "$d" bench.csv && done_=1
  local t1; t1=$(now_ns)
  # The end of the run is the last acknowledgement: the service rewrites the file's report as each batch is
  # settled (after its commit), so the report's modification time once it says nothing is pending is when the
  # last batch was acknowledged. t1 (when this script's polling noticed) came 0.31-0.56 s later in 30 runs:
  # curl and a python3 start-up per poll, on the same 2 cores; it is logged beside.
  local t_ack; t_ack=$(python3 -c 'import json,os,sys
p=sys.argv[1]; r=json.load(open(p)); d=r.get("delivery") or {}
print(os.stat(p).st_mtime_ns if r.get("status")=="done" and d.get("batchesPending")==0 else "")' "$d/inbox/.done/bench.csv.report.json" 2>/dev/null || true)
  local t_noticed=$t1
  if [[ $done_ == 1 && -n $t_ack && $t_ack -gt $t0 && $t_ack -le $t1 ]]; then t1=$t_ack
  else log "$n $mode: no acknowledgement time in the report, timing to when the script noticed the end"; fi
  local cpu1; cpu1=$(cpu_ticks $pid)
  local sys1; sys1=$(sys_ticks $pid)
  thread_ticks $pid > "$d/threads.after"
  local fcpu="-"; [[ -n $fake_pid ]] && { fcpu=$(awk -v a="$fcpu0" -v b="$(cpu_ticks $fake_pid)" -v hz="$HZ" 'BEGIN{printf "%.1f", (b-a)/hz}'); thread_ticks $fake_pid > "$d/fake-threads.after"; }
  local hwm; hwm=$(awk '/VmHWM/{print int($2/1024)}' /proc/$pid/status 2>/dev/null || echo 0)
  if [[ $JFR == 1 ]]; then jcmd $pid JFR.stop name=bench >/dev/null 2>&1 || true; fi
  curl -sf "http://127.0.0.1:$sp/actuator/prometheus" > "$d/metrics.txt" 2>/dev/null || true  # the service's metrics after the run (e.g. mas_graph_request)
  if [[ ${BENCH_HISTO:-0} == 1 ]]; then
    # a full GC and the live objects by class: what the heap really holds after the file (a leak would show here)
    jcmd $pid GC.class_histogram -all > "$d/histogram-all.txt" 2>/dev/null || true  # unreachable objects too (no GC)
    jcmd $pid GC.class_histogram > "$d/histogram.txt" 2>/dev/null || true
    log "live objects after a full GC: $(awk '/^Total/{printf "%.1f MB", $3/1048576}' "$d/histogram.txt") (top classes in $d/histogram.txt)"
  fi
  kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true
  local fake_rows="-"
  if [[ -n $fake_pid ]]; then
    kill $fake_pid 2>/dev/null || true; wait $fake_pid 2>/dev/null || true
    fake_rows=$(grep -oE 'final: .* rows=[0-9]+' "$d/fake.log" | grep -oE 'rows=[0-9]+' | cut -d= -f2 || echo "?")
  fi
  if [[ $done_ != 1 ]]; then log "run $n $mode did not finish, see $d"; fi
  local secs; secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", (b-a)/1e9}')
  local noticed; noticed=$(awk -v a="$t0" -v b="$t_noticed" 'BEGIN{printf "%.2f", (b-a)/1e9}')
  local cpu; cpu=$(awk -v a="$cpu0" -v b="$cpu1" -v hz="$HZ" 'BEGIN{printf "%.1f", (b-a)/hz}')
  local sys; sys=$(awk -v a="$sys0" -v b="$sys1" -v hz="$HZ" 'BEGIN{printf "%.1f", (b-a)/hz}')
  local read_ rows_out
  read -r read_ rows_out < <(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["rowsRead"], r["rowsToMeta"])' \
      "$d/inbox/.done/bench.csv.report.json" 2>/dev/null || echo "? ?")
  local peaks; peaks=$(gc_peaks "$d/gc.log")
  echo "$n $mode $read_ $rows_out $fake_rows $secs $cpu $peaks $hwm $startup_s $done_" >> "$RESULTS"
  log "$n $mode: ${secs}s to the last acknowledgement (the script noticed after ${noticed}s), cpu ${cpu}s (of which system ${sys}s; fake ${fcpu}s), heap peak/live $(echo $peaks | tr ' ' /) MB, RSS $hwm MB, rows read $read_, to Meta $rows_out, fake got $fake_rows"
  log "CPU by thread ($n $mode): $(thread_cpu "$d/threads.before" "$d/threads.after")"
  [[ -n $fake_pid ]] && log "fake Graph API's CPU by thread ($n $mode): $(thread_cpu "$d/fake-threads.before" "$d/fake-threads.after")"
  if [[ $JFR == 1 && -f "$d/processing.jfr" ]]; then
    log "JFR top frames ($n $mode):"
    "$ROOT/bench/jfr-top.sh" "$d/processing.jfr" 5 >&2 || true
  fi
  if [[ ${BENCH_KEEP:-0} != 1 ]]; then
    # the dry-run outbox (≈ 0.6 GB per million rows) and the database would fill the disk over a few runs;
    # logs, GC log, JFR file and report stay
    rm -rf "$d/outbox" "$d"/db.* "$d/inbox/.done/"*.csv "$d/inbox/"*.csv
  fi
}

declare -A BASE BASECPU
for n in $SIZES; do
  src="$WORK/data/rows-$n-seed$SEED.csv"
  if [[ ${BENCH_BASELINE:-1} == 1 ]]; then
  log "baseline $n"
  # shellcheck disable=SC2086 # the same JVM options as the service (e.g. the collector), so the ratio compares code, not JVMs
  out=$(/usr/bin/time -f "baseline_cpu=%U+%S" java -Xmx"$XMX" ${BENCH_JAVA_OPTS:-} -cp "$CP" com.metaaudiencesync.bench.Baseline "$src" 2>&1)
  BASE[$n]=$(echo "$out" | grep -oE 'seconds=[0-9.]+' | cut -d= -f2)
  BASECPU[$n]=$(echo "$out" | grep -oE 'baseline_cpu=[0-9.+]+' | cut -d= -f2 | awk -F+ '{printf "%.1f", $1+$2}')
  log "$(echo "$out" | tr '\n' ' ')"
  fi
  for m in $MODES; do run_service "$n" "$m"; done
done

# ------------------------------------------------------------------ table
echo
echo "jar: $LABEL ($(basename "${BENCH_JAR:-target/meta-audience-sync.jar}")), -Xmx$XMX, $(nproc) cores"
printf "%-9s %-7s %9s %9s %7s %9s %6s %7s %7s %9s %8s %7s %6s %6s\n" rows path rowsToMeta seconds "rows/s" baseline_s ratio cpu_s base_cpu cpu_ratio heap_MB live_MB rss_MB start_s
while read -r n mode read_ rows_out fake_rows secs cpu before after hwm startup ok; do
  b=${BASE[$n]:-}
  rps=$(awk -v r="$read_" -v s="$secs" 'BEGIN{ if (s>0 && r+0>0) printf "%d", r/s; else print "?" }')
  ratio=$(awk -v s="$secs" -v b="$b" 'BEGIN{ if (b>0) printf "%.2f", s/b; else print "?" }')
  [[ $ok == 1 ]] || secs="FAIL"
  bc=${BASECPU[$n]:-}
  cratio=$(awk -v s="$cpu" -v b="$bc" 'BEGIN{ if (b>0) printf "%.2f", s/b; else print "?" }')
  printf "%-9s %-7s %9s %9s %7s %9s %6s %7s %7s %9s %8s %7s %6s %6s\n" "$n" "$mode" "$rows_out" "$secs" "$rps" "$b" "$ratio" "$cpu" "$bc" "$cratio" "$before" "$after" "$hwm" "$startup"
done < "$RESULTS"
if [[ ${BENCH_WEBHOOK:-1} == 1 && -f "$TCLS/com/metaaudiencesync/bench/WebhookLoad.class" ]]; then
  echo "webhook intake (WebhookLoad, in-process service in dry-run):"
  (cd "$WORK" && java -Xmx512m -cp "$CP" com.metaaudiencesync.bench.WebhookLoad --seconds=10 2>/dev/null | grep -vE '^\s*$| (WARN|INFO|DEBUG) ' | sed 's/^/  /') || echo "  webhook run failed"
elif [[ ${BENCH_WEBHOOK:-1} == 1 ]]; then
  echo "webhook: WebhookLoad.class not found (run mvn -DskipTests package first)"
fi
echo "(seconds: file drop to last acknowledged batch; rows/s over rows read; heap_MB: highest used heap before a GC; live_MB: highest after a GC; rss_MB: VmHWM; cpu_s: service utime+stime during processing; ratio: seconds / baseline seconds; base_cpu: baseline utime+stime, whole process; cpu_ratio: cpu_s / base_cpu, less sensitive to other load than ratio)"
