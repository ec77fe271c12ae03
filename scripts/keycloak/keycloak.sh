#!/usr/bin/env bash
# Keycloak, the peer of `npm run bench -- peer-keycloak` (libs/bench/src/peer-keycloak.bench.ts), without
# Docker: its Quarkus distribution from Maven Central, unzipped and built once into the cache.
#
#   bash scripts/keycloak/keycloak.sh fetch   download, unzip and build (cached); prints KEYCLOAK_HOME=… and
#                                             JAVA_HOME=… (the JDK it runs on), one a line, on stdout
#   bash scripts/keycloak/keycloak.sh java    prints JAVA_HOME=… only (exit 3 when no JDK fits)
#
# Environment:
#   KEYCLOAK_VERSION    release (default 26.7.3: the newest org.keycloak:keycloak-quarkus-dist on Maven
#                       Central when this was written; its class files are Java 17's)
#   KEYCLOAK_JAVA_HOME  the JDK to run it on; default the newest of JAVA_HOME, /usr/lib/jvm/* and the
#                       `java` on PATH that is at least Java 17 (Keycloak 26 supports OpenJDK 17, 21 and 25
#                       and recommends the newest for performance: here Temurin 25 where it is installed)
#   LAPSE_CACHE_DIR     cache root (default $HOME/.cache/lapse); the server is in keycloak-<version>
#
# The build step fixes Keycloak's build-time options once: the embedded H2 file database (`--db=dev-file`),
# the health endpoints on the management port (`--health-enabled=true`) and a local, single-node cache
# (`--cache=local`: no cluster transport, nothing listening beyond the ports the bench gives it). The bench
# then runs `kc.sh start --optimized` (production mode) with the database in a fresh directory each time.
#
# Exit codes: 0 ok, 1 failure, 2 usage, 3 Java/Maven/unzip missing.
set -euo pipefail

KEYCLOAK_VERSION="${KEYCLOAK_VERSION:-26.7.3}"
if [[ ! "$KEYCLOAK_VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  printf 'keycloak: KEYCLOAK_VERSION must be a release number such as 26.7.3, not "%s"\n' "$KEYCLOAK_VERSION" >&2
  exit 2
fi
MIN_JAVA=17
BUILD_OPTIONS=(--db=dev-file --health-enabled=true --cache=local)
CACHE_ROOT="${LAPSE_CACHE_DIR:-${HOME:-/tmp}/.cache/lapse}"
KC_HOME="$CACHE_ROOT/keycloak-$KEYCLOAK_VERSION"
MARKER="$KC_HOME/.lapse-fetch-complete"

log() { printf 'keycloak: %s\n' "$*" >&2; }
die() {
  log "$*"
  exit 1
}
unavailable() {
  log "$*"
  exit 3
}

# The feature version of the JDK at $1 (17, 21, 25), or nothing when it is not one.
java_feature() {
  local java="$1/bin/java" spec
  [[ -x "$java" ]] || return 0
  spec="$("$java" -XshowSettings:properties -version 2>&1 | awk -F' = ' '/java.specification.version/ {print $2; exit}')"
  [[ "$spec" =~ ^[0-9]+$ ]] && echo "$spec"
  return 0
}

# KEYCLOAK_JAVA_HOME when set (it must fit), else the newest JDK of at least MIN_JAVA found.
pick_java() {
  if [[ -n "${KEYCLOAK_JAVA_HOME:-}" ]]; then
    local v
    v="$(java_feature "$KEYCLOAK_JAVA_HOME")"
    [[ -n "$v" ]] && ((v >= MIN_JAVA)) ||
      unavailable "KEYCLOAK_JAVA_HOME=$KEYCLOAK_JAVA_HOME is not a JDK of Java $MIN_JAVA or later"
    echo "$KEYCLOAK_JAVA_HOME"
    return
  fi
  local candidates=() best="" best_v=0 home v
  [[ -n "${JAVA_HOME:-}" ]] && candidates+=("$JAVA_HOME")
  for home in /usr/lib/jvm/*; do [[ -L "$home" ]] || candidates+=("$home"); done
  if command -v java >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  fi
  for home in "${candidates[@]}"; do
    v="$(java_feature "$home")"
    if [[ -n "$v" ]] && ((v >= MIN_JAVA && v > best_v)); then
      best="$home"
      best_v=$v
    fi
  done
  [[ -n "$best" ]] || unavailable "no JDK of Java $MIN_JAVA or later found (JAVA_HOME, /usr/lib/jvm, PATH); Keycloak $KEYCLOAK_VERSION needs one: apt-get install openjdk-17-jre-headless, or set KEYCLOAK_JAVA_HOME"
  echo "$best"
}

marker_text() { echo "keycloak-$KEYCLOAK_VERSION ${BUILD_OPTIONS[*]}"; }
is_fetched() { [[ -f "$MARKER" && -x "$KC_HOME/bin/kc.sh" && "$(cat "$MARKER")" == "$(marker_text)" ]]; }

fetch_locked() {
  local java_home="$1"
  if is_fetched; then
    log "Keycloak $KEYCLOAK_VERSION already fetched and built in $KC_HOME"
    return 0
  fi
  command -v mvn >/dev/null 2>&1 || unavailable "Maven is required to fetch Keycloak (apt-get install maven)"
  command -v unzip >/dev/null 2>&1 || unavailable "unzip is required to unpack Keycloak (apt-get install unzip)"
  local tmp fetch_log started
  tmp="$(mktemp -d "$CACHE_ROOT/keycloak-$KEYCLOAK_VERSION.tmp.XXXXXX")"
  fetch_log="$CACHE_ROOT/keycloak-$KEYCLOAK_VERSION.fetch.log"
  started=$SECONDS
  log "fetching org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION (zip, about 170 MB) with Maven..."
  if ! mvn -q -B -Dstyle.color=never dependency:copy \
    -Dartifact="org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION:zip" -DoutputDirectory="$tmp" \
    >"$fetch_log" 2>&1; then
    tail -n 30 "$fetch_log" >&2 || true
    rm -rf "$tmp"
    die "Maven could not fetch Keycloak $KEYCLOAK_VERSION (full log: $fetch_log)"
  fi
  local zip="$tmp/keycloak-quarkus-dist-$KEYCLOAK_VERSION.zip"
  [[ -f "$zip" ]] || {
    rm -rf "$tmp"
    die "Maven answered but $zip is missing"
  }
  unzip -q "$zip" -d "$tmp" || {
    rm -rf "$tmp"
    die "could not unzip $zip"
  }
  rm -f "$zip"
  local home="$tmp/keycloak-$KEYCLOAK_VERSION"
  [[ -x "$home/bin/kc.sh" ]] || {
    rm -rf "$tmp"
    die "the zip has no keycloak-$KEYCLOAK_VERSION/bin/kc.sh"
  }
  log "building (kc.sh build ${BUILD_OPTIONS[*]}, on $java_home; about a minute)..."
  if ! JAVA_HOME="$java_home" "$home/bin/kc.sh" build "${BUILD_OPTIONS[@]}" >>"$fetch_log" 2>&1; then
    tail -n 30 "$fetch_log" >&2 || true
    rm -rf "$tmp"
    die "kc.sh build failed (full log: $fetch_log)"
  fi
  rm -rf "$KC_HOME"
  mv "$home" "$KC_HOME"
  rm -rf "$tmp"
  marker_text >"$MARKER"
  log "Keycloak $KEYCLOAK_VERSION ready in $KC_HOME in $((SECONDS - started)) s"
}

cmd_fetch() {
  local java_home
  java_home="$(pick_java)"
  mkdir -p "$CACHE_ROOT"
  # Two benches may fetch at once: one downloads and builds, the other waits and finds the marker.
  (
    if command -v flock >/dev/null 2>&1; then flock 8; fi
    fetch_locked "$java_home"
  ) 8>"$CACHE_ROOT/.keycloak-$KEYCLOAK_VERSION.lock"
  echo "KEYCLOAK_HOME=$KC_HOME"
  echo "JAVA_HOME=$java_home"
}

usage() {
  sed -n '2,23p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

case "${1:-}" in
  fetch) cmd_fetch ;;
  java) echo "JAVA_HOME=$(pick_java)" ;;
  -h | --help | help) usage ;;
  *)
    usage >&2
    exit 2
    ;;
esac
