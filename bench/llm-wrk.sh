#!/usr/bin/env bash
# LLM gateway throughput against a local OpenAI-compatible server directly and Portkey's open-source gateway, driven by
# wrk at 1 and 8 connections, with Headroom's fleet-wide limits off and on. Needs wrk (apt-get install wrk), node and npm.
# Usage: bench/llm-wrk.sh [seconds per run] [rounds] [first port]      (defaults: 10 3 22100)
# JFR=file.jfr: also records the gateway (JFR, settings=profile) in an extra 8-connection run after the warm-up, not
# counted in the rounds. SKIP_BUILD=1: use what is built. DIST=file.tar.gz: another built distribution.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${SKIP_BUILD:-}" ]; then
  mvn -B -q install -DskipTests -pl bench/driver -am
  mvn -B -q install -DskipTests -pl karaf-assembly -am
fi
portkey=bench/target/portkey/node_modules/@portkey-ai/gateway/build/start-server.js
if [ ! -f "$portkey" ]; then
  mkdir -p bench/target/portkey
  (cd bench/target/portkey && npm install --no-audit --no-fund @portkey-ai/gateway@1.15.2 >/dev/null)
fi
dist=${DIST:-$(ls karaf-assembly/target/headroom-distribution-*.tar.gz | head -n 1)}
cp="bench/driver/target/classes:$(cat bench/driver/target/classpath.txt)"
java -Xmx512m -Dorg.slf4j.simpleLogger.defaultLogLevel=warn ${JFR:+-Djfr="$JFR"} -cp "$cp" io.headroom.bench.LlmWrkBench "$dist" "$portkey" \
  "${1:-10}" "${2:-3}" "${3:-22100}"
