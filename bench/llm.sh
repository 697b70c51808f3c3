#!/usr/bin/env bash
# LLM router benchmark: overhead vs direct calls at a fixed rate, one provider down, latency routing (router core);
# then the same overhead and a provider killed mid-run through the REST gateway of a running distribution.
# Usage: bench/llm.sh [requests per second] [seconds]    (defaults: 500 10 for the core, 300 10 through REST)
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q install -DskipTests -pl bench/driver -am
mvn -B -q install -DskipTests -pl karaf-assembly -am
dist=$(ls karaf-assembly/target/headroom-distribution-*.tar.gz | head -n 1)
cp="bench/driver/target/classes:$(cat bench/driver/target/classpath.txt)"
java -Xmx1g -cp "$cp" io.headroom.bench.LlmBench "$@"
java -Xmx1g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$cp" io.headroom.bench.LlmGatewayBench "$dist" ${1:-300} ${2:-10}
