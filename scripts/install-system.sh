#!/usr/bin/env bash
# The machine packages the stack and the tests need beyond npm, from Debian: Java and the
# official Firestore emulator (usually on the image already), and Chromium for the dashboard's
# browser tests (Playwright's own browser download is not reachable offline). Installs only
# what is missing; run as root (CI does) or with sudo.
set -euo pipefail

JAR=/usr/lib/google-cloud-sdk/platform/cloud-firestore-emulator/cloud-firestore-emulator.jar
missing=()
command -v java >/dev/null || missing+=(openjdk-17-jre-headless)
[ -f "$JAR" ] || missing+=(google-cloud-cli-firestore-emulator)
command -v chromium >/dev/null || [ -n "${CHROMIUM_PATH:-}" ] || missing+=(chromium)

if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi
echo "system packages: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}"
