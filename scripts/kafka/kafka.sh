#!/usr/bin/env bash
# A real single-node Apache Kafka broker (KRaft, combined broker+controller) for
# local development and tests, without Docker.
#
#   bash scripts/kafka/kafka.sh fetch    download Kafka + runtime deps with Maven (cached)
#   bash scripts/kafka/kafka.sh start    fresh data dir, format, start, wait until clients are served
#   bash scripts/kafka/kafka.sh stop     SIGTERM (SIGKILL after 15 s), remove the data dir
#   bash scripts/kafka/kafka.sh status   exit 0 and say so when running, 1 when not
#
# Environment:
#   KAFKA_VERSION          Apache Kafka release to run (default 3.9.1; CI also runs the Kafka suite on
#                          4.4.0), fetched from Maven Central into its own cache directory
#   KAFKA_PORT             client port (default 19092), advertised as 127.0.0.1:$KAFKA_PORT
#   KAFKA_CONTROLLER_PORT  KRaft controller port (default KAFKA_PORT+1)
#   KAFKA_DATA_DIR         data dir, wiped on start/stop (default /tmp/lapse-kafka-$KAFKA_PORT)
#   LAPSE_CACHE_DIR        jar cache root (default $HOME/.cache/lapse)
#   KAFKA_START_TIMEOUT    seconds to wait for readiness (default 60)
#   KAFKA_HEAP_OPTS        JVM heap flags (default -Xmx512m -Xms256m)
#   KAFKA_GC_OPTS          JVM collector flags (default -XX:+UseParallelGC: on this 2-core single-node
#                          broker the throughput collector spent 7.6 us of broker CPU per produced event
#                          where G1 with a 20 ms pause goal, Kafka's usual setting, spent 20.5; fanout-delivery
#                          bench, 300,000 events)
#
# Exit codes: 0 ok, 1 failure, 2 usage, 3 Java/Maven missing (callers skip the Kafka suite).
#
# Kafka 3.x logs through log4j 1.x (reload4j, log4j.properties); 4.x through log4j 2 (log4j2.properties)
# and needs Java 17. The pom's profile for the major version brings the matching logging backend.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KAFKA_VERSION="${KAFKA_VERSION:-3.9.1}"
if [[ ! "$KAFKA_VERSION" =~ ^([0-9]+)\.[0-9]+\.[0-9]+$ ]]; then
  printf 'kafka: KAFKA_VERSION must be a release number such as 3.9.1 or 4.1.0, not "%s"\n' "$KAFKA_VERSION" >&2
  exit 2
fi
KAFKA_MAJOR="${BASH_REMATCH[1]}"
POM="$SCRIPT_DIR/pom.xml"
if ((KAFKA_MAJOR >= 4)); then
  LOG_CONFIG_FLAG="-Dlog4j2.configurationFile=file:$SCRIPT_DIR/log4j2.properties"
  MIN_JAVA=17
else
  LOG_CONFIG_FLAG="-Dlog4j.configuration=file:$SCRIPT_DIR/log4j.properties"
  MIN_JAVA=11
fi
WAIT_READY="$SCRIPT_DIR/wait-ready.js"

CACHE_ROOT="${LAPSE_CACHE_DIR:-${HOME:-/tmp}/.cache/lapse}"
KAFKA_HOME_DIR="$CACHE_ROOT/kafka-$KAFKA_VERSION"
LIBS="$KAFKA_HOME_DIR/libs"
MARKER="$LIBS/.lapse-fetch-complete"

PORT="${KAFKA_PORT:-19092}"
CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-$((PORT + 1))}"
DATA="${KAFKA_DATA_DIR:-/tmp/lapse-kafka-$PORT}"
DATA_MARKER="$DATA/.lapse-kafka-data"
PID_FILE="$DATA/kafka.pid"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-60}"
HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xmx512m -Xms256m}"
GC_OPTS="${KAFKA_GC_OPTS:--XX:+UseParallelGC}"

UNAVAILABLE_MSG="kafka: Java 17 and Maven are required (apt-get install openjdk-17-jre-headless maven); skipping"

log() { printf 'kafka: %s\n' "$*" >&2; }
die() {
  log "$*"
  exit 1
}
unavailable() {
  echo "$UNAVAILABLE_MSG"
  exit 3
}

# --- prerequisites ----------------------------------------------------------

require_java() {
  command -v java >/dev/null 2>&1 || unavailable
  local spec
  spec="$(java -XshowSettings:properties -version 2>&1 | awk -F' = ' '/java.specification.version/ {print $2; exit}')"
  # "1.8" and older report 1.x; Kafka 3.9 brokers need 11+, 4.x need 17; 17 is what we test with.
  case "$spec" in
    1.* | "") unavailable ;;
  esac
  [[ "$spec" =~ ^[0-9]+$ ]] && ((spec >= MIN_JAVA)) || unavailable
}

require_mvn() {
  command -v mvn >/dev/null 2>&1 || unavailable
}

# --- fetch ------------------------------------------------------------------

pom_digest() { sha256sum "$POM" | awk '{print $1}'; }

is_fetched() {
  [[ -f "$MARKER" && -f "$LIBS/kafka_2.13-$KAFKA_VERSION.jar" ]] || return 1
  [[ "$(cat "$MARKER")" == "kafka_2.13-$KAFKA_VERSION $(pom_digest)" ]]
}

# Runs a Kafka command-line tool class on the cached classpath; its log4j output
# goes to stderr, so stdout carries only the tool's answer.
kafka_tool() {
  local libs="$1"
  shift
  java -Xmx256m "$LOG_CONFIG_FLAG" -cp "$libs/*" "$@"
}

# A Kafka cluster id: 16 random bytes, base64url without padding (22 chars).
is_cluster_id() { [[ "$1" =~ ^[A-Za-z0-9_-]{22}$ ]]; }

fetch_locked() {
  if is_fetched; then
    log "Kafka $KAFKA_VERSION already fetched in $LIBS"
    return 0
  fi
  local tmp fetch_log started
  tmp="$(mktemp -d "$KAFKA_HOME_DIR/libs.tmp.XXXXXX")"
  fetch_log="$KAFKA_HOME_DIR/fetch.log"
  started=$SECONDS
  log "fetching org.apache.kafka:kafka_2.13:$KAFKA_VERSION and its runtime dependencies with Maven..."
  if ! mvn -q -B -Dstyle.color=never -f "$POM" -Dkafka.version="$KAFKA_VERSION" -Dkafka.major="$KAFKA_MAJOR" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp" >"$fetch_log" 2>&1; then
    tail -n 50 "$fetch_log" >&2 || true
    rm -rf "$tmp"
    die "Maven could not fetch Kafka $KAFKA_VERSION (full log: $fetch_log)"
  fi
  local jar
  for jar in kafka_2.13 kafka-server kafka-server-common kafka-metadata kafka-raft kafka-storage \
    kafka-clients kafka-group-coordinator; do
    if [[ ! -f "$tmp/$jar-$KAFKA_VERSION.jar" ]]; then
      rm -rf "$tmp"
      die "fetch incomplete: $jar-$KAFKA_VERSION.jar is missing"
    fi
  done
  # Smoke test: the storage tool must load and run from the fetched classpath.
  local id
  id="$(kafka_tool "$tmp" kafka.tools.StorageTool random-uuid 2>>"$fetch_log" | tail -n 1)" || true
  if ! is_cluster_id "$id"; then
    rm -rf "$tmp"
    die "fetched jars do not run kafka.tools.StorageTool (see $fetch_log)"
  fi
  chmod 755 "$tmp"
  rm -rf "$LIBS"
  mv "$tmp" "$LIBS"
  echo "kafka_2.13-$KAFKA_VERSION $(pom_digest)" >"$MARKER"
  log "fetched $(find "$LIBS" -name '*.jar' | wc -l) jars into $LIBS in $((SECONDS - started)) s"
}

cmd_fetch() {
  require_java
  if is_fetched; then
    log "Kafka $KAFKA_VERSION already fetched in $LIBS"
    return 0
  fi
  require_mvn
  mkdir -p "$KAFKA_HOME_DIR"
  # Two test workers may fetch at once: one downloads, the other waits and then
  # finds the marker. The subshell keeps the lock fd away from the broker.
  (
    if command -v flock >/dev/null 2>&1; then flock 8; fi
    fetch_locked
  ) 8>"$KAFKA_HOME_DIR/.fetch.lock"
}

# --- process helpers --------------------------------------------------------

read_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  echo "$pid"
}

# True when $1 is alive and is the broker this data dir belongs to (guards
# against a stale pid file whose pid now names another process).
is_our_broker() {
  local pid="$1" cmdline
  kill -0 "$pid" 2>/dev/null || return 1
  cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
  [[ -z "$cmdline" || ("$cmdline" == *kafka.Kafka* && "$cmdline" == *"$DATA/server.properties"*) ]]
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

stop_broker() {
  local pid
  pid="$(read_pid)" || return 0
  is_our_broker "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  local i
  for ((i = 0; i < 150; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  log "broker (pid $pid) ignored SIGTERM for 15 s; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
}

# Only ever wipe a directory this script created (or an empty/missing one).
wipe_data_dir() {
  case "$DATA" in
    "" | "/" | "$HOME" | "$HOME/") die "refusing to use '$DATA' as the Kafka data dir" ;;
  esac
  if [[ -d "$DATA" && ! -f "$DATA_MARKER" ]] && [[ -n "$(ls -A "$DATA" 2>/dev/null)" ]]; then
    die "$DATA exists and was not created by kafka.sh; refusing to wipe it (set KAFKA_DATA_DIR)"
  fi
  rm -rf "$DATA"
}

fail_start() {
  log "$*"
  if [[ -f "$DATA/kafka.out" ]]; then
    echo "----- last 50 lines of $DATA/kafka.out -----" >&2
    tail -n 50 "$DATA/kafka.out" >&2 || true
    echo "-----" >&2
  fi
  stop_broker || true
  exit 1
}

write_server_properties() {
  cat >"$DATA/server.properties" <<EOF
# Generated by scripts/kafka/kafka.sh: single-node KRaft broker+controller for tests.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$DATA/logs
metadata.log.dir=$DATA/metadata
num.partitions=6
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=true
delete.topic.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=6
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=4
EOF
}

# --- commands ---------------------------------------------------------------

cmd_start() {
  require_java
  cmd_fetch

  # A broker left behind by an earlier run on this port: stop it first.
  local old
  if old="$(read_pid)" && is_our_broker "$old"; then
    log "stopping the previous broker on port $PORT (pid $old)"
    stop_broker
  fi
  local p
  for p in "$PORT" "$CONTROLLER_PORT"; do
    port_open "$p" && die "port $p on 127.0.0.1 is already in use; set KAFKA_PORT to another port"
  done

  wipe_data_dir
  mkdir -p "$DATA/logs" "$DATA/metadata"
  : >"$DATA_MARKER"
  write_server_properties

  local started=$SECONDS cluster_id
  cluster_id="$(kafka_tool "$LIBS" kafka.tools.StorageTool random-uuid 2>>"$DATA/kafka.out" | tail -n 1)" || true
  is_cluster_id "$cluster_id" || fail_start "kafka.tools.StorageTool random-uuid failed"
  if ! kafka_tool "$LIBS" kafka.tools.StorageTool format -t "$cluster_id" -c "$DATA/server.properties" \
    >>"$DATA/kafka.out" 2>&1; then
    fail_start "formatting the storage in $DATA failed"
  fi

  # stdin/stdout/stderr all detached from the caller, so a parent that waits
  # for our output to close (node's child_process) is not held by the broker.
  # shellcheck disable=SC2086 # HEAP_OPTS and GC_OPTS are lists of flags
  java $HEAP_OPTS $GC_OPTS -XX:+ExitOnOutOfMemoryError \
    -Djava.awt.headless=true \
    "$LOG_CONFIG_FLAG" \
    -Dkafka.logs.dir="$DATA" \
    -cp "$LIBS/*" kafka.Kafka "$DATA/server.properties" \
    </dev/null >>"$DATA/kafka.out" 2>&1 &
  local pid=$!
  echo "$pid" >"$PID_FILE"

  local deadline=$((SECONDS + START_TIMEOUT))
  until port_open "$PORT"; do
    kill -0 "$pid" 2>/dev/null || fail_start "broker exited before opening port $PORT"
    ((SECONDS < deadline)) || fail_start "port $PORT not open after ${START_TIMEOUT} s"
    sleep 0.2
  done
  local remaining_ms=$(((deadline - SECONDS) * 1000))
  ((remaining_ms > 1000)) || remaining_ms=1000
  if ! node "$WAIT_READY" "127.0.0.1:$PORT" "$remaining_ms" >>"$DATA/kafka.out" 2>&1; then
    fail_start "broker on 127.0.0.1:$PORT did not become ready within ${START_TIMEOUT} s"
  fi
  kill -0 "$pid" 2>/dev/null || fail_start "broker exited during start"
  log "started in $((SECONDS - started)) s (data in $DATA)"
  echo "kafka $KAFKA_VERSION ready on 127.0.0.1:$PORT (pid $pid)"
}

cmd_stop() {
  local pid
  if pid="$(read_pid)" && is_our_broker "$pid"; then
    stop_broker
    echo "kafka stopped (pid $pid)"
  else
    echo "kafka not running on port $PORT"
  fi
  if [[ -d "$DATA" && -f "$DATA_MARKER" ]] || [[ -d "$DATA" && -z "$(ls -A "$DATA" 2>/dev/null)" ]]; then
    rm -rf "$DATA"
  fi
}

cmd_status() {
  local pid
  if pid="$(read_pid)" && is_our_broker "$pid"; then
    if port_open "$PORT"; then
      echo "kafka running on 127.0.0.1:$PORT (pid $pid, data $DATA)"
    else
      echo "kafka starting or stopping on 127.0.0.1:$PORT (pid $pid, port not open)"
    fi
    return 0
  fi
  echo "kafka not running on port $PORT"
  return 1
}

usage() {
  sed -n '2,24p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

case "${1:-}" in
  fetch) cmd_fetch ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  -h | --help | help) usage ;;
  *)
    usage >&2
    exit 2
    ;;
esac
