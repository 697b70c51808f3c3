#!/usr/bin/env bash
# Search queries: latency through Headroom's query language vs the same request sent directly to Elasticsearch with the
# tenant filter (same run, interleaved), and kNN recall@10 against exact search; against a real Elasticsearch node.
# Usage: bench/search-query.sh [tenants] [docs per tenant] [latency samples per form] [recall queries]   (defaults: 10 5000 2000 200)
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q install -DskipTests -pl bench/driver,fixtures-elasticsearch -am
exec java -Xmx1g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "bench/driver/target/classes:$(cat bench/driver/target/classpath.txt)" io.headroom.search.internal.SearchQueryBench "$@"
