#!/usr/bin/env bash
# Heartbeat benchmark: evaluation cycle for N tenants x J jobs, ingestion vs a bare counter map, memory per series.
# Usage: bench/heartbeat.sh [tenants] [jobs] [cycles]    (defaults: 10000 5 7)
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q install -DskipTests -pl bench/driver -am
exec java -Xmx2g -cp "bench/driver/target/classes:$(cat bench/driver/target/classpath.txt)" io.headroom.bench.HeartbeatBench "$@"
