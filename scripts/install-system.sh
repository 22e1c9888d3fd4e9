#!/usr/bin/env bash
# The machine packages the stack and the tests need beyond npm, from Debian: Java and the
# official Firestore emulator (usually on the image already), and Chromium for the dashboard's
# browser tests (Playwright's own browser download is not reachable offline). Installs only
# what is missing (the list is scripts/lib/system-packages.sh); run as root (CI does) or with
# sudo. `npm run setup` runs it for you.
set -euo pipefail
source "$(dirname "$0")/lib/system-packages.sh"

mapfile -t missing < <(missing_system_packages test | cut -f1)
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi
echo "system packages: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}"
