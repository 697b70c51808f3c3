#!/usr/bin/env bash
# Shard switchover benchmark: planned switchovers of a shard (primary + GTID replica, two mariadbd processes) under
# paced writes through the router, at each rate: writes failed, longest write, longest time without an acknowledged
# write, statements held, acknowledged writes missing or duplicated on the new primary; then point selects with the
# read preference primary vs replica, alternating rounds, same run.
# Usage: bench/switchover.sh [rates, comma-separated] [seconds of writes per switchover] [read clients] [read seconds]
#        [replica apply threads: MariaDB slave_parallel_threads, 0 = one transaction at a time] [failoverAfterMillis]
#        [writers, one tenant each, sharing the rate] (defaults: 200,2000 6 8 5 0 2000 16). Last, with failoverAfterMillis above 0: the primary SIGKILLed under 200
#        writes/s with semi-synchronous replication and automatic failover on (time to promotion, failed and lost writes).
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q install -DskipTests -pl bench/driver -am
exec java -Xmx1g -cp "bench/driver/target/classes:$(cat bench/driver/target/classpath.txt)" io.headroom.bench.SwitchoverBench "$@"
