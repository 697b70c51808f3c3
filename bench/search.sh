#!/usr/bin/env bash
# Search migration: dual-write overhead on index latency, backfill+validation throughput vs a plain scan-and-bulk copy
# loop, and how fast another node follows a tenant's read move; against a real Elasticsearch node, same run.
# Usage: bench/search.sh [tenants] [docs per tenant] [latency samples]    (defaults: 20 2500 3000)
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q install -DskipTests -pl bench/driver,fixtures-elasticsearch -am
exec java -Xmx1g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "bench/driver/target/classes:$(cat bench/driver/target/classpath.txt)" io.headroom.search.internal.SearchMigrationBench "$@"
