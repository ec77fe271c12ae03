#!/usr/bin/env bash
# The whole suite: typecheck, unit, PostgreSQL (real, embedded), browser (Debian's Chromium) and Kafka (real
# broker from Maven Central jars). Starts everything it needs and stops it afterwards. With CI=true the browser
# and Kafka suites must run: a missing browser or a broker that cannot start fails the run. Elsewhere, without
# Chromium, or without Java 17 and Maven, that suite is skipped with one line saying what to install.
set -uo pipefail
cd "$(dirname "$0")/.."
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
status=0

echo "== typecheck"
npx tsc --noEmit -p tsconfig.json || status=1

echo "== build"
npm run build --silent || status=1

echo "== unit and PostgreSQL suites"
npx jest --ci --selectProjects unit int --maxWorkers=2 --json --outputFile="$results/main.json" "$@" || status=1

echo "== API fuzzing (Schemathesis against the all-in-one app's /openapi.json)"
bash scripts/schemathesis.sh || status=1

chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$chromium" ] || [ "${CI:-}" = "true" ]; then
  echo "== browser suite (Chromium)"
  CHROMIUM_PATH="$chromium" npx jest --ci --selectProjects browser --runInBand --json --outputFile="$results/browser.json" "$@" || status=1
else
  echo "browser: suite skipped — Chromium is not installed (apt-get install chromium, or set CHROMIUM_PATH, then npm test)"
fi

kafka_ok=1
kafka_jars="${LAPSE_CACHE_DIR:-$HOME/.cache/lapse}/kafka-${KAFKA_VERSION:-3.9.1}/libs/.lapse-fetch-complete"
# A broker at KAFKA_BROKERS (e.g. docker compose's) needs neither Java nor Maven here.
if [ -z "${KAFKA_BROKERS:-}" ] && { ! command -v java >/dev/null 2>&1 || { ! command -v mvn >/dev/null 2>&1 && [ ! -f "$kafka_jars" ]; }; }; then
  kafka_ok=0
fi
if [ "$kafka_ok" = 1 ] || [ "${CI:-}" = "true" ]; then
  echo "== Kafka suite (real broker: ${KAFKA_BROKERS:-Kafka ${KAFKA_VERSION:-3.9.1} started by the global setup})"
  npx jest --ci --selectProjects kafka --runInBand --json --outputFile="$results/kafka.json" "$@" || status=1
  # CI runs the Kafka suite once more on the newest Kafka 4 (KAFKA_SECOND_VERSION; set it to run it
  # elsewhere, empty to skip it): the kafka project alone, on a broker of that version.
  kafka_second="${KAFKA_SECOND_VERSION-$([ "${CI:-}" = "true" ] && echo 4.4.0)}"
  if [ -n "$kafka_second" ] && [ -z "${KAFKA_BROKERS:-}" ]; then
    echo "== Kafka suite on Kafka $kafka_second"
    KAFKA_VERSION="$kafka_second" npx jest --ci --selectProjects kafka --runInBand --json \
      --outputFile="$results/kafka-$kafka_second.json" "$@" || status=1
  fi
else
  echo "kafka: suite skipped — Java 17 and Maven are not installed (apt-get install openjdk-17-jre-headless maven, then npm test)"
fi

# Faults: services killed, frozen and restarted, with a broker of their own (npm run test:faults). Same rules
# as the Kafka suite: with CI=true it must run.
if [ "$kafka_ok" = 1 ] || [ "${CI:-}" = "true" ]; then
  echo "== fault suite (processes killed and frozen, own broker)"
  npx jest --ci --selectProjects faults --runInBand --json --outputFile="$results/faults.json" "$@" || status=1
else
  echo "faults: suite skipped — Java 17 and Maven are not installed (apt-get install openjdk-17-jre-headless maven, then npm test)"
fi

node -e '
  const fs = require("fs");
  let passed = 0, failed = 0, skipped = 0;
  for (const file of fs.readdirSync(process.argv[1])) {
    const r = JSON.parse(fs.readFileSync(process.argv[1] + "/" + file, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests + (r.numRuntimeErrorTestSuites || 0); skipped += r.numPendingTests;
  }
  console.log(`tests: ${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ""));
' "$results" || status=1
exit $status
