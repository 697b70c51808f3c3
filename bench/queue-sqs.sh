#!/usr/bin/env bash
# SQS backend throughput vs a plain AWS SDK send/receive/delete loop, same ElasticMQ, same run.
# Usage: bench/queue-sqs.sh [jobs]    (default: 10000)
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q install -DskipTests -pl bench/driver -am
exec java -Xmx1g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "bench/driver/target/classes:$(cat bench/driver/target/classpath.txt)" io.headroom.queue.internal.SqsThroughputBench "$@"
