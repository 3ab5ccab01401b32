#!/usr/bin/env bash
# Starts the service from the class data sharing layout of bin/cds.sh (Spring Boot's CDS support: start-up in
# about half the time of java -jar), preparing that layout first when it is missing or older than the jar.
# Arguments are the service's (--key=value); JAVA_OPTS are passed to the JVM. MAS_NO_CDS=1 runs the jar as it is.
set -euo pipefail
HERE="$(cd "$(dirname "$0")/.." && pwd)"
JAR=$HERE/target/meta-audience-sync.jar
APP=$HERE/target/app
[[ -f $JAR ]] || { echo "no $JAR: run mvn -q -DskipTests package first" >&2; exit 1; }
if [[ ${MAS_NO_CDS:-0} == 1 ]]; then
  # shellcheck disable=SC2086
  exec java ${JAVA_OPTS:-} -jar "$JAR" "$@"
fi
if [[ ! -f $APP/meta-audience-sync.jsa || $JAR -nt $APP/meta-audience-sync.jsa ]]; then
  echo "preparing the fast start-up layout (bin/cds.sh, once per build)..." >&2
  "$HERE/bin/cds.sh" >&2
fi
# shellcheck disable=SC2086
exec java ${JAVA_OPTS:-} -XX:SharedArchiveFile="$APP/meta-audience-sync.jsa" -Xshare:auto -jar "$APP/meta-audience-sync.jar" "$@"
