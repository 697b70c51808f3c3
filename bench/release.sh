#!/usr/bin/env bash
# Release benchmark on three nodes behind HAProxy: time from starting a release of the example capability to every
# node running it (canary first); then a really broken version (every greeting fails) released to every node: time
# from its first failed greeting to the page and from the page to every node back on the previous version; with the
# greeting requests failed during each, under an open-loop load through the balancer.
# Usage: bench/release.sh [requests per second]   (default 40)
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q install -DskipTests -pl bench/driver -am
mvn -B -q install -DskipTests -pl karaf-assembly -am
dist=$(ls karaf-assembly/target/headroom-distribution-*.tar.gz | head -n 1)
cp="bench/driver/target/classes:$(cat bench/driver/target/classpath.txt)"
java -Xmx512m -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$cp" io.headroom.bench.ReleaseBench "$dist" "${1:-40}"
