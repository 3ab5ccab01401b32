#!/usr/bin/env bash
# Starts the service from the CDS layout made by bin/cds.sh (about half the start-up time of java -jar), or from the
# jar when there is none. Arguments are the service's (--key=value); JAVA_OPTS are passed to the JVM.
set -euo pipefail
HERE="$(cd "$(dirname "$0")/.." && pwd)"
APP=$HERE/target/app
if [[ -f $APP/meta-audience-sync.jsa && -f $APP/meta-audience-sync.jar ]]; then
  # shellcheck disable=SC2086
  exec java ${JAVA_OPTS:-} -XX:SharedArchiveFile="$APP/meta-audience-sync.jsa" -Xshare:auto -jar "$APP/meta-audience-sync.jar" "$@"
fi
# shellcheck disable=SC2086
exec java ${JAVA_OPTS:-} -jar "$HERE/target/meta-audience-sync.jar" "$@"
