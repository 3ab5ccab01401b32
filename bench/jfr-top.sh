#!/usr/bin/env bash
# Top hot spots of a JFR recording: usage bench/jfr-top.sh FILE.jfr [N]
# Prints the N most sampled top frames (self time) and the N most sampled frames of the project's own
# code (first com.metaaudiencesync frame of each stack, i.e. which of our methods the time is spent under).
set -euo pipefail
f=$1; n=${2:-5}
tmp=$(mktemp); trap 'rm -f "$tmp"' EXIT
jfr print --events jdk.ExecutionSample --stack-depth 64 "$f" | awk '
  /stackTrace = \[/ { inst=1; top=""; app=""; total++; next }
  inst && /^[[:space:]]*\]/ { inst=0; if (top!="") self[top]++; if (app!="") own[app]++; next }
  inst {
    fr=$0; sub(/^[[:space:]]+/, "", fr); sub(/[[:space:]]+line:.*/, "", fr)
    if (fr=="...") next
    if (top=="") top=fr
    if (app=="" && fr ~ /^com\.metaaudiencesync\./) app=fr
  }
  END {
    print "T\t" total
    for (k in self) print "S\t" self[k] "\t" k
    for (k in own) print "O\t" own[k] "\t" k
  }' > "$tmp"
total=$(awk -F'\t' '$1=="T"{print $2}' "$tmp")
echo "  $total samples; top frames (self):"
awk -F'\t' '$1=="S"' "$tmp" | sort -t$'\t' -k2,2nr | head -n "$n" | awk -F'\t' -v t="$total" '{printf "    %5.1f%%  %s\n", 100*$2/t, $3}'
echo "  first project frame on the stack (inclusive):"
awk -F'\t' '$1=="O"' "$tmp" | sort -t$'\t' -k2,2nr | head -n "$n" | awk -F'\t' -v t="$total" '{printf "    %5.1f%%  %s\n", 100*$2/t, $3}'
