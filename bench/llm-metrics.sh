#!/usr/bin/env bash
# The LLM gateway with its request metrics off and on (the REST host's request histogram and the gateway's time to
# first token and token counters), alternating rounds (off first in odd rounds, on first in even ones), wrk at 8
# connections against a local OpenAI-compatible server.
# Needs wrk (apt-get install wrk) and node.
# Usage: bench/llm-metrics.sh [seconds per run] [rounds] [first port]      (defaults: 10 3 22150)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${SKIP_BUILD:-}" ]; then
  mvn -B -q install -DskipTests -pl bench/driver -am
  mvn -B -q install -DskipTests -pl karaf-assembly -am
fi
dist=$(ls karaf-assembly/target/headroom-distribution-*.tar.gz | head -n 1)
cp="bench/driver/target/classes:$(cat bench/driver/target/classpath.txt)"
java -Xmx512m -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -DmetricsOnOff=true -cp "$cp" io.headroom.bench.LlmWrkBench "$dist" - \
  "${1:-10}" "${2:-3}" "${3:-22150}"
