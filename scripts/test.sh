#!/usr/bin/env bash
# Install everything the test suite needs on a fresh Debian machine, then run all of it:
# lint, format check and pytest (unit, end-to-end and headless-Chromium tests).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  echo "== installing Debian's chromium (browser tests drive it through Playwright)"
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null
fi
echo "== installing the package with its test extra"
python3 -m pip install -q --disable-pip-version-check -e '.[test]'
if [ -f package.json ]; then
  echo "== installing npm packages used by browser tests"
  npm install --no-audit --no-fund --silent
fi

echo "== ruff"
ruff check .
ruff format --check .
echo "== pytest"
python3 -m pytest "$@"
