#!/usr/bin/env bash
# `npm start` and `npm test` run this first (prestart, pretest): it says exactly what this
# machine is missing and the one command that installs it, before anything is built or started,
# instead of a failure deep inside a browser test. Bash builtins only, so it runs before
# `npm install` and in well under a second. Usage: check-system.sh start|test
set -uo pipefail
root="${0%/*}/.."
source "$root/scripts/lib/system-packages.sh"
purpose="${1:-test}"

problems=()
while IFS=$'\t' read -r package why; do
  [ -n "$package" ] && problems+=("$why (Debian package $package)")
done < <(missing_system_packages "$purpose")

# The npm side: the tools every command runs, Node 22 among them (the npm package `node`).
npm_missing=0
for tool in node tsc vite vitest eslint firebase; do
  [ -x "$root/node_modules/.bin/$tool" ] || npm_missing=1
done
if [ $npm_missing = 1 ]; then
  problems+=("the npm dependencies (node_modules, with the Node 22 the project runs on)")
else
  version="$("$root/node_modules/.bin/node" --version 2>/dev/null || echo none)"
  if ! [[ "$version" =~ ^v([0-9]+)\.([0-9]+) ]] || (( BASH_REMATCH[1] < 22 || (BASH_REMATCH[1] == 22 && BASH_REMATCH[2] < 12) )); then
    problems+=("Node 22.12 or later from the npm dependencies (node_modules has $version)")
  fi
fi

if [ ${#problems[@]} -eq 0 ]; then exit 0; fi
echo "npm $purpose cannot run yet: this machine is missing" >&2
for problem in "${problems[@]}"; do echo "  - $problem" >&2; done
if [ "$purpose" = start ]; then
  echo "Install everything that is missing (and start the stack) with one command:" >&2
  echo "  npm run setup" >&2
else
  echo "Install everything that is missing with one command:" >&2
  echo "  npm run setup -- --no-start" >&2
fi
exit 1
