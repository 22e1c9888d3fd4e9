# What the stack and the tests need from the machine beyond npm, and the Debian package that
# brings each; sourced by scripts/install-system.sh (which installs them) and
# scripts/check-system.sh (which only says what is missing). One list, so the check never asks
# for something the installer does not install. Bash builtins only: it runs before npm install.

# The official Firestore emulator (OFFLINE-EMULATORS.md): from Debian, not downloadable offline.
FIRESTORE_JAR="${AURORA_FIRESTORE_JAR:-/usr/lib/google-cloud-sdk/platform/cloud-firestore-emulator/cloud-firestore-emulator.jar}"

# Prints "package<TAB>what it is for" for each missing system package; `test` adds Chromium,
# which only the dashboard's browser tests (and the benchmark) need.
missing_system_packages() {
  local purpose="${1:-test}"
  command -v java >/dev/null || printf '%s\t%s\n' openjdk-17-jre-headless 'Java, which runs the Firestore emulator'
  [ -f "$FIRESTORE_JAR" ] || printf '%s\t%s\n' google-cloud-cli-firestore-emulator 'the official Firestore emulator'
  if [ "$purpose" = test ]; then
    # Where scripts/lib/browser.ts looks for it (AURORA_SYSTEM_BIN only lets the tests move /usr/bin).
    local bin="${AURORA_SYSTEM_BIN:-/usr/bin}"
    [ -x "${CHROMIUM_PATH:-/nonexistent}" ] || [ -x "$bin/chromium" ] || [ -x "$bin/chromium-browser" ] ||
      printf '%s\t%s\n' chromium "Chromium, for the dashboard's browser tests"
  fi
  return 0
}
