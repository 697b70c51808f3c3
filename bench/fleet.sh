#!/usr/bin/env bash
# Fleet benchmark: a mixed REST workload through HAProxy in front of 1, 2 and 3 nodes (same run, ratios to one node),
# requests failed when a node is killed with SIGKILL under load, and how long the heartbeat evaluator's lease takes to
# move after its node died. Needs Debian's haproxy.
# Usage: bench/fleet.sh [seconds per round] [clients]   (defaults 20, 8)
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q install -DskipTests -pl bench/driver -am
mvn -B -q install -DskipTests -pl karaf-assembly -am
dist=$(ls karaf-assembly/target/headroom-distribution-*.tar.gz | head -n 1)
cp="bench/driver/target/classes:$(cat bench/driver/target/classpath.txt)"
java -Xmx512m -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$cp" io.headroom.bench.FleetBench "$dist" "${1:-20}" "${2:-8}"
