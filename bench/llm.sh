#!/usr/bin/env bash
# LLM router benchmark: overhead vs direct calls at a fixed rate, one provider down, latency routing.
# Usage: bench/llm.sh [requests per second] [seconds]    (defaults: 500 10)
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q install -DskipTests -pl bench/driver -am
exec java -Xmx1g -cp "bench/driver/target/classes:$(cat bench/driver/target/classpath.txt)" io.headroom.bench.LlmBench "$@"
