#!/usr/bin/env bash
# Fair queuing benchmark: noisy neighbour (fair vs FIFO vs no-burst baseline), key splitting, dispatch rate.
# Usage: bench/queue.sh [quiet jobs per second] [seconds] [burst] [ledger]    (defaults: 45 120 10000; "ledger": only
# the tenant load ledger's cost on queue dispatch and its memory)
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q install -DskipTests -pl bench/driver -am
exec java -Xmx2g -cp "bench/driver/target/classes:$(cat bench/driver/target/classpath.txt)" io.headroom.bench.QueueBench "$@"
