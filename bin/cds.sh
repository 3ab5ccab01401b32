#!/usr/bin/env bash
# Prepares the fast start-up layout (Spring Boot's documented CDS / AOT cache support): the jar extracted to
# target/app/ plus, from a training run, a class data sharing archive (Java 17-24) or an AOT cache (Java 25+,
# which also keeps the training run's method profiles). bin/start.sh runs it, and calls this script when the
# layout is missing, older than the jar or made by another Java. The Java is $JAVA_HOME/bin/java, else java.
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
JAR=target/meta-audience-sync.jar
OUT=$PWD/target/app
[[ -f $JAR ]] || { echo "no $JAR: run mvn -q -DskipTests package first" >&2; exit 1; }
VERSION=$("$JAVA" -version 2>&1 | head -n 1)
MAJOR=$(sed -E 's/^[^"]*"([0-9]+).*/\1/' <<< "$VERSION")
rm -rf "$OUT"
"$JAVA" -Djarmode=tools -jar "$JAR" extract --destination "$OUT"
if (( MAJOR >= 25 )); then
  RECORD=(-XX:AOTCacheOutput="$OUT/meta-audience-sync.aot" -Xlog:aot=off)
else
  RECORD=(-XX:ArchiveClassesAtExit="$OUT/meta-audience-sync.jsa" -Xlog:cds=off -Xlog:cds+dynamic=off)
fi

# The training run: the service in dry-run on a throwaway database, inbox and ports, with none of this machine's
# configuration or environment, takes in a small generated file and is stopped with SIGTERM once it is done.
TRAIN=$(mktemp -d)
trap 'rm -rf "$TRAIN"' EXIT
mkdir -p "$TRAIN/inbox"
{ echo "email,phone,first_name,last_name,zip,country"
  for i in $(seq 1 20000); do echo "u$i@example.com,+1 650 555 $((1000 + i % 9000)),Ann,Lee,9410$((i % 10)),US"; done
} > "$TRAIN/training.csv"
mv "$TRAIN/training.csv" "$TRAIN/inbox/"
env -i PATH="$PATH" "$JAVA" "${RECORD[@]}" -jar "$OUT/meta-audience-sync.jar" --spring.config.location=classpath:/ \
  --sync.dry-run=true --server.port=0 --spring.datasource.url="jdbc:h2:file:$TRAIN/db" --sync.inbox="$TRAIN/inbox" \
  --sync.outbox="$TRAIN/outbox" --sync.routes-dir="$TRAIN/routes" --logging.level.root=WARN > "$TRAIN/training.log" 2>&1 &
PID=$!
until [[ -f $TRAIN/inbox/.done/training.csv.report.json ]]; do
  kill -0 $PID 2>/dev/null || { cat "$TRAIN/training.log" >&2; echo "the training run stopped early" >&2; exit 1; }
  sleep 0.2
done
kill -TERM $PID
wait $PID || { cat "$TRAIN/training.log" >&2; exit 1; }
echo "$VERSION" > "$OUT/java.version"
echo "fast start-up layout ready in $OUT for $VERSION (start with bin/start.sh)"
