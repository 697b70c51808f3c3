#!/usr/bin/env bash
# Game day: the helpdesk reference application (examples/helpdesk) on a fleet of three nodes behind HAProxy, steady
# load from a few tenants (one that spikes, large, small), then in sequence: the spike, the primary LLM vendor failing,
# the hottest tenant moved to another shard, a node killed with SIGKILL. The same scenario as itests' GameDayIT, with
# longer phases; it writes per phase and per tenant class requests, failures, 429s, p50/p99 (bench/gameday-report.txt)
# and an HTML report with inline SVG charts (bench/gameday-report.html, no external resources). Needs Debian's haproxy.
# Usage: bench/gameday.sh [seconds per phase]   (default 30)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-30}"
mvn -B -q install -DskipTests -pl itests -am
mvn -B verify -pl itests -Dit.test=GameDayIT -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
  -Dgameday.seconds="$seconds"
cp itests/target/gameday/report.html bench/gameday-report.html
cp itests/target/gameday/report.txt bench/gameday-report.txt
cat bench/gameday-report.txt
