#!/usr/bin/env bash
# Starts the service from the fast start-up layout of bin/cds.sh (a CDS archive on Java 17-24, an AOT cache on
# Java 25+), preparing it first when it is missing, older than the jar or made by another Java.
# Arguments are the service's (--key=value); JAVA_OPTS go to the JVM; MAS_NO_CDS=1 runs the jar as it is.
set -euo pipefail
HERE="$(cd "$(dirname "$0")/.." && pwd)"
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
JAR=$HERE/target/meta-audience-sync.jar
APP=$HERE/target/app
[[ -f $JAR ]] || { echo "no $JAR: run mvn -q -DskipTests package first" >&2; exit 1; }
if [[ ${MAS_NO_CDS:-0} == 1 ]]; then
  # shellcheck disable=SC2086
  exec "$JAVA" ${JAVA_OPTS:-} -jar "$JAR" "$@"
fi
if [[ ! -f $APP/java.version || $JAR -nt $APP/java.version || $(cat "$APP/java.version") != "$("$JAVA" -version 2>&1 | head -n 1)" ]]; then
  echo "preparing the fast start-up layout (bin/cds.sh: once per build and Java, about 20 s)..." >&2
  "$HERE/bin/cds.sh" >&2
fi
if [[ -f $APP/meta-audience-sync.aot ]]; then
  # shellcheck disable=SC2086
  exec "$JAVA" ${JAVA_OPTS:-} -XX:AOTCache="$APP/meta-audience-sync.aot" -jar "$APP/meta-audience-sync.jar" "$@"
fi
# shellcheck disable=SC2086
exec "$JAVA" ${JAVA_OPTS:-} -XX:SharedArchiveFile="$APP/meta-audience-sync.jsa" -Xshare:auto -jar "$APP/meta-audience-sync.jar" "$@"
