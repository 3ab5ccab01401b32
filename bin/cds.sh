#!/usr/bin/env bash
# Prepares the fast start-up layout (Spring Boot's documented CDS support): the jar extracted to target/app/ and a
# class data sharing archive made by a training run that stops once the application context is refreshed.
# Then start with bin/start.sh. Run again after every build (the archive must match the jar it was made from).
set -euo pipefail
cd "$(dirname "$0")/.."
JAR=${1:-target/meta-audience-sync.jar}
OUT=target/app
[[ -f $JAR ]] || { echo "no $JAR: run mvn -DskipTests package first" >&2; exit 1; }
[[ $(basename "$JAR") == meta-audience-sync.jar ]] || { echo "$JAR: the jar must be named meta-audience-sync.jar" >&2; exit 1; }
rm -rf "$OUT"
java -Djarmode=tools -jar "$JAR" extract --destination "$OUT"
# the training run uses a throwaway database, inbox and port: nothing of the real service is touched
TRAIN=$(mktemp -d)
trap 'rm -rf "$TRAIN"' EXIT
java -XX:ArchiveClassesAtExit="$OUT/meta-audience-sync.jsa" -Xlog:cds=off -Xlog:cds+dynamic=off -Dspring.context.exit=onRefresh \
  -jar "$PWD/$OUT/meta-audience-sync.jar" --server.port=0 --spring.datasource.url="jdbc:h2:file:$TRAIN/db" \
  --sync.inbox="$TRAIN/inbox" --sync.outbox="$TRAIN/outbox" --logging.level.root=WARN > "$TRAIN/training.log" 2>&1 \
  || { cat "$TRAIN/training.log" >&2; exit 1; }
echo "fast start-up layout ready in $OUT (start with bin/start.sh)"
