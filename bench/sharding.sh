#!/usr/bin/env bash
# Sharding benchmark: router overhead vs direct Connector/J + HikariCP on point selects, scatter over 16 shards vs the
# slowest single shard, a tenant move under 200 writes/s, online schema changes on a large table under writes, and the
# Data API over REST against the in-process router and direct JDBC (point select and single-row insert, 16 clients).
# Parts (4th argument, comma-separated): overhead, scatter, move, schema, dataapi.
# Usage: bench/sharding.sh [clients] [seconds per round] [rows of the big table]    (defaults: 8 5 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q install -DskipTests -pl bench/driver -am
mvn -B -q install -DskipTests -pl karaf-assembly -am   # the Data API part runs a node of the distribution
dist=$(ls karaf-assembly/target/headroom-distribution-*.tar.gz | head -n 1)
exec java -Xmx1g -Dheadroom.distribution="$dist" -cp "bench/driver/target/classes:$(cat bench/driver/target/classpath.txt)" \
  io.headroom.bench.ShardingBench "$@"
