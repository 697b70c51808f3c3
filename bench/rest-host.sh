#!/usr/bin/env bash
# Foundation benchmark: cold start to healthy, and REST host vs bare CXF (same Karaf, same run).
# Usage: bench/rest-host.sh [seconds per round] [clients] [rounds] [cold starts]    (defaults: 10 16 5 3)
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q install -DskipTests -pl bench/driver -am
dist=$(ls karaf-assembly/target/headroom-distribution-*.tar.gz | head -n 1)
bundle=$(ls bench/bundle/target/headroom-bench-bundle-*.jar | head -n 1)
exec java -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "bench/driver/target/classes:$(cat bench/driver/target/classpath.txt)" \
  io.headroom.bench.RestHostBench "$dist" "$bundle" "$@"
