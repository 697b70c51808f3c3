#!/usr/bin/env bash
# Game day: the helpdesk reference application (examples/helpdesk) on a fleet of three nodes behind HAProxy, steady
# load from one tenant that spikes, two large ones and many small ones (200 by default; together the small ones send
# about what three would), then in sequence: the spike, the primary LLM vendor failing (while the spike runs), then too slow, an online
# ALTER of hd_messages, an index migration, a switchover of the first shard's server to its replica, the hottest tenant
# moved to another shard, a broken helpdesk release rolled back by its guard, a node killed with SIGKILL. The same scenario as itests' GameDayIT, with
# longer phases; it writes per phase and per tenant class requests, failures, 429s, p50/p99 (bench/gameday-report.txt)
# (and p99 against the calm phase's) and an HTML report with inline SVG charts (bench/gameday-report.html, no external resources). Needs Debian's haproxy.
# Usage: bench/gameday.sh [seconds per phase] [small tenants]   (defaults 30 and 200)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-30}"
small="${2:-200}"
mvn -B -q install -DskipTests -pl itests -am
mvn -B verify -pl itests -Dit.test=GameDayIT -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
  -Dgameday.seconds="$seconds" -Dgameday.small="$small"
cp itests/target/gameday/report.html bench/gameday-report.html
cp itests/target/gameday/report.txt bench/gameday-report.txt
cat bench/gameday-report.txt
