#!/usr/bin/env bash
# `npm run setup`: everything a fresh Debian or Ubuntu machine needs, then the local stack.
# Installs the npm dependencies, then the missing system packages (scripts/install-system.sh,
# which asks sudo for apt unless you are root), then runs `npm start`. `--no-start` stops after
# installing; `--ci` installs exactly what the lockfile says (npm ci) and does not start (CI
# runs `npm test` next).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/system-packages.sh

usage="usage: npm run setup [-- --no-start | --ci]
Installs whatever the machine lacks (the npm packages, then Debian packages through
scripts/install-system.sh), then starts the stack (npm start).

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

if [ $ci = 1 ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
# After npm install: where Google's apt repository is out of reach, the installer has
# firebase-tools (from node_modules) download the Firestore emulator. It runs as you and asks
# sudo only for apt, so that download lands in your cache, not root's.
if [ -n "$(missing_system_packages test)" ]; then scripts/install-system.sh; fi
if [ $start = 1 ]; then exec npm start; fi
echo "Everything is installed: npm start runs the stack, npm test the tests."
