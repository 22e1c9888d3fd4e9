# shellcheck shell=bash
# What the stack and the tests need from the machine beyond npm, and the Debian package that
# brings each; sourced by scripts/install-system.sh (which installs them) and
# scripts/check-system.sh (which only says what is missing). One list, so the check never asks
# for something the installer does not install. Bash builtins only: it runs before npm install.

# The official Firestore emulator (OFFLINE-EMULATORS.md): Google's apt package, which the stack
# starts itself on any Java; not downloadable offline.
FIRESTORE_JAR="${AURORA_FIRESTORE_JAR:-/usr/lib/google-cloud-sdk/platform/cloud-firestore-emulator/cloud-firestore-emulator.jar}"
# Or firebase-tools' own download of it (`firebase setup:emulators:firestore`), which firebase-tools
# runs itself (scripts/lib/stack.ts), and only on Java 21 or later. Its cache folder, as
# firebase-tools computes it (lib/emulator/downloadableEmulators.js).
FIREBASE_EMULATORS_DIR="${FIREBASE_EMULATORS_PATH:-${HOME:-/nonexistent}/.cache/firebase/emulators}"

# The major version of the `java` on PATH (8 for "1.8.0_…"), 0 without one.
java_major() {
  local out
  out="$(java -version 2>&1)" || { echo 0; return 0; }
  if [[ "$out" =~ version\ \"1\.([0-9]+) ]] || [[ "$out" =~ version\ \"([0-9]+) ]]; then
    echo "${BASH_REMATCH[1]}"
  else
    echo 0
  fi
}

# Whether the stack has a Firestore emulator it can run: the apt package's, or firebase-tools'
# download on a Java it accepts. (Any cached version: firebase-tools fetches its own on start.)
firestore_emulator_present() {
  [ -f "$FIRESTORE_JAR" ] && return 0
  local jar
  for jar in "$FIREBASE_EMULATORS_DIR"/cloud-firestore-emulator-v*.jar; do
    [ -f "$jar" ] && [ "$(java_major)" -ge 21 ] && return 0
  done
  return 1
}

# Prints "package<TAB>what it is for" for each missing system package; `test` adds Chromium,
# which only the dashboard's browser tests (and the benchmark) need.
missing_system_packages() {
  local purpose="${1:-test}"
  command -v java >/dev/null || printf '%s\t%s\n' openjdk-17-jre-headless 'Java, which runs the Firestore emulator'
  firestore_emulator_present || printf '%s\t%s\n' google-cloud-cli-firestore-emulator 'the official Firestore emulator'
  if [ "$purpose" = test ]; then
    # Where scripts/lib/browser.ts looks for it (AURORA_SYSTEM_BIN only lets the tests move /usr/bin).
    local bin="${AURORA_SYSTEM_BIN:-/usr/bin}"
    [ -x "${CHROMIUM_PATH:-/nonexistent}" ] || [ -x "$bin/chromium" ] || [ -x "$bin/chromium-browser" ] ||
      printf '%s\t%s\n' chromium "Chromium, for the dashboard's browser tests"
  fi
  return 0
}
