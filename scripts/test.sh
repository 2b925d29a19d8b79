#!/usr/bin/env bash
# Installs what the test suite needs and runs all of it: unit, contract, analytics-quality and
# browser tests. Safe to run again; it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
dpkg -s libicu-dev >/dev/null 2>&1 || need_apt+=(libicu-dev pkg-config)
command -v node >/dev/null 2>&1 || need_apt+=(nodejs npm)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "missing system packages: ${need_apt[*]} (install them with apt-get as root)" >&2
    exit 1
  fi
fi

python3 -m pip install -q -e '.[test]'
if [ -f tools/cypher_check/package.json ]; then
  (cd tools/cypher_check && { npm ci --no-audit --no-fund --silent 2>/dev/null || npm install --no-audit --no-fund --silent; })
fi

python3 -m pytest -q -rs "$@"
