#!/usr/bin/env bash
# Control plane benchmark: requests failed, refused (503 + Retry-After) and the longest stall per capability while the
# control database is killed for N seconds (default 30), then during a switchover to its replica.
# Two nodes behind HAProxy (Debian package haproxy), a control primary with a replica, Elasticsearch and ElasticMQ.
# Usage: bench/control.sh [outage seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q install -DskipTests -pl bench/driver -am
mvn -B -q install -DskipTests -pl karaf-assembly -am
dist=$(ls karaf-assembly/target/headroom-distribution-*.tar.gz | head -n 1)
cp="bench/driver/target/classes:$(cat bench/driver/target/classpath.txt)"
java -Xmx512m -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$cp" io.headroom.bench.ControlPlaneBench "$dist" "${1:-30}"
