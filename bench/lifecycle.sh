#!/usr/bin/env bash
# The figures a user meets at launch, for one or more jars, alternating them round by round:
#   listening  launch -> the HTTP port answers
#   ready      launch -> /actuator/health/readiness is UP
#   first      launch -> the last row of a 1 M-row CSV that was waiting in the inbox is acknowledged by Meta
#   second     drop of a second 1 M-row CSV into the running service -> its last row acknowledged
# Meta is the fake Graph API (count-only) in its own process. Usage:
#   mvn -q -DskipTests package && bench/lifecycle.sh target/meta-audience-sync.jar [/tmp/older.jar ...]
# An argument cds:DIR runs DIR/meta-audience-sync.jar with the class data sharing archive beside it (bin/cds.sh);
# aot:DIR with the AOT cache beside it, on the Java 25+ of BENCH_AOT_JAVA (default: the java of JAVA_HOME).
# Env: BENCH_ROWS (1000000), BENCH_ROUNDS (3), BENCH_XMX (256m), BENCH_WORK (/tmp/mas-lifecycle), BENCH_JAVA_OPTS (extra JVM options).
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${BENCH_ROWS:-1000000}
ROUNDS=${BENCH_ROUNDS:-3}
XMX=${BENCH_XMX:-256m}
WORK=${BENCH_WORK:-/tmp/mas-lifecycle}
ADMIN=bench:bench-admin-password
AOT_JAVA=${BENCH_AOT_JAVA:-${JAVA_HOME:-/usr}/bin/java}
[[ $# -ge 1 ]] || { echo "usage: $0 JAR [JAR...]" >&2; exit 2; }
mkdir -p "$WORK/data"
[[ -s target/cp.txt ]] || mvn -q dependency:build-classpath -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test
CP="target/test-classes:target/classes:$(cat target/cp.txt)"
SRC="$WORK/data/rows-$ROWS.csv"
[[ -s $SRC ]] || java -cp "$CP" com.metaaudiencesync.bench.BenchCsvGenerator "$SRC" "$ROWS" 42

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
# acked FILE: the report's modification time (ms) once every batch of FILE is acknowledged, else nothing
acked() {
  python3 -c 'import json,os,sys
p=sys.argv[1]
try: r=json.load(open(p))
except Exception: sys.exit(0)
d=r.get("delivery") or {}
if r.get("status")=="done" and d.get("batchesPending")==0: print(os.stat(p).st_mtime_ns//1000000)' "$1" 2>/dev/null || true
}
await_acked() {
  local report=$1 pid=$2 t
  while kill -0 "$pid" 2>/dev/null; do
    t=$(acked "$report"); [[ -n $t ]] && { echo "$t"; return 0; }
    sleep 0.1
  done
  return 1
}

one_run() {
  local jar=$1 d="$WORK/run" fp sp token
  case $jar in cds:* | aot:*) jar="${jar%%:*}:$(realpath "${jar#*:}")" ;; *) jar=$(realpath "$jar") ;; esac
  rm -rf "$d"; mkdir -p "$d/inbox" "$d/stage"
  fp=$(free_port); sp=$(free_port); token="bench-$RANDOM$RANDOM"
  FAKE_GRAPH_TOKEN=$token java -Xmx1g -cp "$CP" com.metaaudiencesync.fake.FakeGraphApi --port "$fp" --count-only --report-seconds 3600 \
    --warm-up-requests 30 > "$d/fake.log" 2>&1 &
  local fake=$!
  for _ in $(seq 1 600); do grep -q "listening on" "$d/fake.log" 2>/dev/null && break; sleep 0.1; done
  ln "$SRC" "$d/inbox/first.csv"
  local t0 listening="" ready="" first second
  t0=$(now_ms)
  local java=java launch=(-jar "$jar")
  [[ $jar == cds:* ]] && launch=(-XX:SharedArchiveFile="${jar#cds:}/meta-audience-sync.jsa" -jar "${jar#cds:}/meta-audience-sync.jar")
  [[ $jar == aot:* ]] && java=$AOT_JAVA launch=(-XX:AOTCache="${jar#aot:}/meta-audience-sync.aot" -jar "${jar#aot:}/meta-audience-sync.jar")
  # from the run directory: a config/ directory in the working directory would be read as configuration
  # shellcheck disable=SC2086
  (cd "$d" && exec "$java" -Xmx"$XMX" ${BENCH_JAVA_OPTS:-} "${launch[@]}" --server.port="$sp" --meta.graph-url="http://127.0.0.1:$fp" --meta.access-token="$token" \
    --meta.ad-account-id=123 --sync.inbox="$d/inbox" --sync.outbox="$d/outbox" --spring.datasource.url="jdbc:h2:file:$d/db" \
    --spring.security.user.name="${ADMIN%%:*}" --spring.security.user.password="${ADMIN#*:}" \
    --sync.send.max-requests-per-second=1000 > "$d/service.log" 2>&1) &
  local pid=$!
  while [[ -z $ready ]] && kill -0 $pid 2>/dev/null; do
    local c; c=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$sp/actuator/health/readiness" || true)
    [[ $c != 000 && -z $listening ]] && listening=$(( $(now_ms) - t0 ))
    [[ $c == 200 ]] && ready=$(( $(now_ms) - t0 ))
    sleep 0.02
  done
  [[ -n $ready ]] || { echo "$jar did not start: $d/service.log" >&2; kill $fake; return 1; }
  first=$(( $(await_acked "$d/inbox/.done/first.csv.report.json" $pid) - t0 ))
  ln "$SRC" "$d/stage/second.csv"
  local t1; t1=$(now_ms)
  mv "$d/stage/second.csv" "$d/inbox/second.csv"
  second=$(( $(await_acked "$d/inbox/.done/second.csv.report.json" $pid) - t1 ))
  kill $pid $fake 2>/dev/null || true; wait $pid $fake 2>/dev/null || true
  printf '%s\t%.2f\t%.2f\t%.2f\t%.2f\n' "$jar" "$(bc -l <<< "$listening/1000")" "$(bc -l <<< "$ready/1000")" \
    "$(bc -l <<< "$first/1000")" "$(bc -l <<< "$second/1000")"
}

printf 'jar\tlistening_s\tready_s\tfirst_1M_s\tsecond_1M_s\n'
for r in $(seq 1 "$ROUNDS"); do
  for jar in "$@"; do one_run "$jar"; done
done
