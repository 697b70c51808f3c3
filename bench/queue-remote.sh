#!/usr/bin/env bash
# Remote queue workers over REST on the SQS backend (ElasticMQ), same run: REST lease+ack throughput vs a plain AWS SDK
# receive/delete loop on the same ElasticMQ; quiet tenants' p99 dwell with remote pull workers during a 10,000-job
# burst vs no burst; push delivery rate to a local receiver. Starts the built distribution (one node), MariaDB,
# ElasticMQ and Elasticsearch under bench/target/queue-remote.
# Usage: bench/queue-remote.sh [jobs] [receivers] [pull]    (defaults: 10000 jobs, 4 SQS receive loops per queue pair; "pull": throughput only)
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q install -DskipTests -pl bench/driver -am
mvn -B -q install -DskipTests -pl karaf-assembly -am
dist=$(ls karaf-assembly/target/headroom-distribution-*.tar.gz | head -n 1)
cp="bench/driver/target/classes:$(cat bench/driver/target/classpath.txt)"
exec java -Xmx512m -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$cp" io.headroom.bench.QueueRemoteBench "$dist" "$@"
