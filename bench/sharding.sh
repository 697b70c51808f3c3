#!/usr/bin/env bash
# Sharding benchmark: router overhead vs direct Connector/J + HikariCP on point selects, scatter over 16 shards vs the
# slowest single shard, a tenant move under 200 writes/s, online schema changes on a large table under writes.
# Usage: bench/sharding.sh [clients] [seconds per round] [rows of the big table]    (defaults: 8 5 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q install -DskipTests -pl bench/driver -am
exec java -Xmx1g -cp "bench/driver/target/classes:$(cat bench/driver/target/classpath.txt)" io.headroom.bench.ShardingBench "$@"
