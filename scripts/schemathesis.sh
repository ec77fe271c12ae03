#!/usr/bin/env bash
# API fuzzing: Schemathesis (PyPI, pinned below) against the all-in-one app's /openapi.json, with an admin
# token, a fixed seed and a bounded number of examples per operation. Fails on any 5xx answer and on any answer
# that breaks the document's schema (errors must be Okta's envelope). Needs `npm run build` first.
#
# The tool lives in .venv-tools (created on first run, reused afterwards). With CI=true a failure to create it,
# install it or run it fails; elsewhere, without python3's venv module, the step is skipped with one line.
#
# Settings: SCHEMATHESIS_SEED (default 19), SCHEMATHESIS_MAX_EXAMPLES (examples per operation, default 25),
# SCHEMATHESIS_PORT (default: a free port).
set -uo pipefail
cd "$(dirname "$0")/.."
SCHEMATHESIS_VERSION=4.32.5
venv=.venv-tools

if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  if [ "${CI:-}" = "true" ]; then
    echo "schemathesis: python3 with the venv module is required with CI=true (apt-get install python3-venv)" >&2
    exit 1
  fi
  echo "schemathesis: skipped — python3's venv module is not installed (apt-get install python3-venv, then npm test)"
  exit 0
fi
if [ ! -x "$venv/bin/schemathesis" ] || [ "$("$venv/bin/schemathesis" --version 2>/dev/null)" != "schemathesis, version $SCHEMATHESIS_VERSION" ]; then
  { python3 -m venv "$venv" && "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"; } || {
    echo "schemathesis: could not install schemathesis $SCHEMATHESIS_VERSION into $venv" >&2
    exit 1
  }
fi

port="${SCHEMATHESIS_PORT:-$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')}"
data_dir=$(mktemp -d)
# Two tokens of the same form as the generated one; never printed.
admin_token="00$(node -e 'console.log(require("crypto").randomBytes(30).toString("base64url"))')"
service_token=$(node -e 'console.log(require("crypto").randomBytes(32).toString("hex"))')
log="$data_dir/lapse.log"
PORT="$port" HOST=127.0.0.1 PUBLIC_URL="http://127.0.0.1:$port" DATA_DIR="$data_dir/data" \
  ADMIN_API_TOKEN="$admin_token" SERVICE_API_TOKEN="$service_token" ADMIN_RATE_LIMIT_PER_MINUTE=1000000 \
  LOG_LEVEL=warn LOG_FORMAT=json node dist/apps/main.js >"$log" 2>&1 &
app=$!
cleanup() {
  kill "$app" 2>/dev/null && wait "$app" 2>/dev/null
  rm -rf "$data_dir"
}
trap cleanup EXIT

for _ in $(seq 1 120); do
  if curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$app" 2>/dev/null; then
    echo "schemathesis: the all-in-one app did not start:" >&2
    cat "$log" >&2
    exit 1
  fi
  sleep 0.5
done

# The stateful phase follows the document's links (a created user's id into the user operations, a bulk
# expiry's job id into the job).
fuzz() {
  "$venv/bin/schemathesis" run "http://127.0.0.1:$port/openapi.json" \
    --header "Authorization: SSWS $admin_token" \
    --checks not_a_server_error,response_schema_conformance \
    --phases examples,coverage,fuzzing,stateful \
    --seed "${SCHEMATHESIS_SEED:-19}" \
    --generation-database none \
    --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-25}" \
    --workers 2 \
    --no-color \
    --output-sanitize true
}
# Schemathesis closes with a pytest-style rule ("===== 2 warnings in 22.41s ====="). A reader of test output
# (CI's among them) takes that line for pytest saying that no test ran, so rules are printed as plain lines and
# the closing one without pytest's "in N s" form. The log file keeps the tool's own words.
plain_rules() { sed -u -E -e 's/^=+ (.*) in ([0-9.]+)s =+$/Schemathesis finished: \1 (\2 s)/' -e 's/^=+ (.*) =+$/-- \1 --/'; }
output="$data_dir/schemathesis.out"
fuzz | tee "$output" | plain_rules
status=${PIPESTATUS[0]}
# Schemathesis 4.32.5's coverage phase sometimes stops one operation with its own "Runtime Error: Inconsistent
# results" (Hypothesis found its generation flaky; seen once for POST /api/v1/users/import, 0 of 3,275 cases
# failing, and not on the next run). That is the tool, not the API: when it is the only problem reported (no
# failed check), the run is repeated once. A failed check is never retried.
if [ "$status" != 0 ] && ! grep -q '^Failures:' "$output" && grep -q 'Inconsistent results' "$output"; then
  echo "schemathesis: the tool stopped on its own inconsistent generation (no check failed); running once more" >&2
  fuzz | plain_rules
  status=${PIPESTATUS[0]}
fi
if [ "$status" != 0 ]; then
  echo "schemathesis: failures above; the app's warnings and errors:" >&2
  tail -n 50 "$log" >&2
fi
exit $status
