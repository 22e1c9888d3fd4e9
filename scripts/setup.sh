#!/usr/bin/env bash
# `npm run setup`: everything a fresh Debian machine needs, then the local stack. Installs the
# missing system packages (scripts/install-system.sh, through sudo unless root), then the npm
# dependencies, then runs `npm start`. `--no-start` stops after installing; `--ci` installs
# exactly what the lockfile says (npm ci) and does not start (CI runs `npm test` next).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/system-packages.sh

usage="usage: npm run setup [-- --no-start | --ci]
Installs whatever the machine lacks (Debian packages through scripts/install-system.sh, then the npm
packages), then starts the stack (npm start).

options:
  --no-start  only install
  --ci        install exactly the lockfile (npm ci) and do not start (CI runs npm test next)
  -h, --help  this help"
start=1 ci=0
for arg in "$@"; do
  case "$arg" in
    --no-start) start=0 ;;
    --ci) ci=1 start=0 ;;
    -h|--help) echo "$usage"; exit 0 ;;
    *) printf 'setup: unknown option %s\n%s\n' "$arg" "$usage" >&2; exit 2 ;;
  esac
done

if [ -n "$(missing_system_packages test)" ]; then
  if [ "$(id -u)" -eq 0 ]; then scripts/install-system.sh; else sudo scripts/install-system.sh; fi
fi
if [ $ci = 1 ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
if [ $start = 1 ]; then exec npm start; fi
echo "Everything is installed: npm start runs the stack, npm test the tests."
