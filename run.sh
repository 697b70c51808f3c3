#!/usr/bin/env bash
# Builds Headroom if needed and runs it on embedded defaults (see README: "Run it").
# Options: --reset starts from nothing (deletes the kept control schema, Elasticsearch and SQS data);
# --demo also deploys the helpdesk reference application (examples/helpdesk) with a local LLM provider simulator and
# seeded tenants; --nodes N runs N nodes behind HAProxy.
# Environment: HEADROOM_DB_URL / HEADROOM_DB_USER / HEADROOM_DB_PASSWORD to use a MySQL server instead of the
# embedded MariaDB; HEADROOM_ES_URL to use an Elasticsearch instead of the embedded node; HEADROOM_HTTP_PORT (8181); HEADROOM_HOME (.run) for the unpacked distribution and data;
# HEADROOM_BIND (127.0.0.1) for the address the API and the shell listen on; HEADROOM_OPERATOR_PASSWORD (default: generated at the
# first start, kept in HEADROOM_HOME/operator.password).
set -euo pipefail
cd "$(dirname "$0")"
dist=$(ls karaf-assembly/target/headroom-distribution-*.tar.gz 2>/dev/null | head -n 1 || true)
if [ -z "$dist" ] || [ ! -f fixtures/target/classpath.txt ] || [ ! -f fixtures-elasticsearch/target/classpath.txt ] \
   || [ -n "$(find pom.xml bundles examples features karaf-assembly/src karaf-assembly/pom.xml fixtures fixtures-elasticsearch -newer "$dist" -type f \
              -not -path '*/target/*' 2>/dev/null | head -n 1)" ]; then
  echo "Building Headroom (mvn install -DskipTests) ..."
  mvn -B -q install -DskipTests
  dist=$(ls karaf-assembly/target/headroom-distribution-*.tar.gz | head -n 1)
fi
exec java -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "fixtures/target/classes:$(cat fixtures/target/classpath.txt)" io.headroom.fixtures.Launcher "$dist" "$@"
