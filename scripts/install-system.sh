#!/usr/bin/env bash
# The machine packages the stack and the tests need beyond npm (the list is
# scripts/lib/system-packages.sh): Java, the official Firestore emulator and Chromium for the
# dashboard's browser tests (Playwright's own browser download is not reachable offline).
# Installs only what is missing, so on a machine that has everything it changes nothing.
# Run it as yourself: it asks sudo for what needs root (nothing, if you are root, as in CI).
# `npm run setup` runs it for you, after `npm install`.
#
# The Firestore emulator (google-cloud-cli-firestore-emulator) is not in Debian's or Ubuntu's
# archive. Where the configured apt sources do not offer it, this adds Google's Cloud SDK apt
# repository with its signing key, as Google documents it; where that repository cannot be
# reached but Java 21 or later is here, firebase-tools downloads its own copy instead (and
# runs it itself: scripts/lib/stack.ts). It says which it did.
#
# Usage: install-system.sh [--dry-run]   (--dry-run changes nothing and prints what it would run)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
source "$root/scripts/lib/system-packages.sh"

EMULATOR_PACKAGE=google-cloud-cli-firestore-emulator
# Google's Cloud SDK repository, exactly as https://cloud.google.com/sdk/docs/install#deb documents
# it: the key from GOOGLE_KEY_URL, dearmored into /usr/share/keyrings/cloud.google.gpg, and the
# source line below in /etc/apt/sources.list.d/google-cloud-sdk.list. The AURORA_* overrides
# exist only so the tests can point both into a scratch folder.
GOOGLE_KEY_URL=https://packages.cloud.google.com/apt/doc/apt-key.gpg
GOOGLE_APT_URL=https://packages.cloud.google.com/apt
APT_DIR="${AURORA_APT_DIR:-/etc/apt}"
KEYRING="${AURORA_KEYRINGS_DIR:-/usr/share/keyrings}/cloud.google.gpg"
GOOGLE_LIST="$APT_DIR/sources.list.d/google-cloud-sdk.list"
GOOGLE_SOURCE_LINE="deb [signed-by=$KEYRING] $GOOGLE_APT_URL cloud-sdk main"

dry_run=0
case "${1:-}" in
  '') ;;
  --dry-run) dry_run=1 ;;
  -h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "install-system: unknown option $1 (usage: install-system.sh [--dry-run])" >&2; exit 2 ;;
esac

# On --dry-run every line says so: it reports what would happen, nothing that did.
say() { printf 'system packages: %s%s\n' "$([ $dry_run = 1 ] && echo '(dry run) ')" "$*"; }

# Runs a command that changes the machine, as root: directly when we are root, else through
# sudo. On --dry-run it only prints it (to stderr, so it shows even where stdout is discarded).
as_root() {
  if [ $dry_run = 1 ]; then
    printf 'system packages: would run: %s\n' "$*" >&2
  elif [ "$(id -u)" -eq 0 ]; then
    "$@"
  else
    sudo "$@"
  fi
}

# Whether apt would install the package from the sources it knows now. LC_ALL=C because apt
# translates "Candidate:"; a package apt has never heard of prints no such line at all.
installable() {
  local line
  while IFS= read -r line; do
    if [[ "$line" =~ ^[[:space:]]*Candidate:[[:space:]]*([^[:space:]]+) ]] &&
      [ "${BASH_REMATCH[1]}" != '(none)' ]; then
      return 0
    fi
  done < <(LC_ALL=C apt-cache policy "$1" 2>/dev/null)
  return 1
}

# The first of the packages apt can install: names differ between releases (Debian 13 has no
# openjdk-17, Ubuntu ships Chromium as chromium-browser). Prints nothing if none is.
first_installable() {
  local package
  for package in "$@"; do
    if installable "$package"; then
      echo "$package"
      return 0
    fi
  done
}

# A source for Google's repository other than ours (under another name, or apt-key era). Adding
# ours beside it would make apt refuse both ("Conflicting values set for option Signed-By").
google_repository_elsewhere() {
  local file
  for file in "$APT_DIR/sources.list" "$APT_DIR"/sources.list.d/*.list "$APT_DIR"/sources.list.d/*.sources; do
    [ -f "$file" ] && [ "$file" != "$GOOGLE_LIST" ] && grep -qsF packages.cloud.google.com/apt "$file" &&
      { echo "$file"; return 0; }
  done
  return 1
}

# Adds Google's repository and installs the emulator from it. Fails, having changed nothing
# that would break a later `apt-get update`, if the repository cannot be reached.
install_from_google_repository() {
  local elsewhere key
  if elsewhere="$(google_repository_elsewhere)"; then
    say "Google's apt repository is already configured in $elsewhere, but apt offers no $EMULATOR_PACKAGE from it (is the repository reachable?)"
    return 1
  fi
  key="$(mktemp)"
  # Fetching the key is also the test that the repository answers at all.
  if ! curl -fsSL --max-time 30 -o "$key" "$GOOGLE_KEY_URL"; then
    rm -f "$key"
    say "Google's apt repository cannot be reached ($GOOGLE_KEY_URL)"
    return 1
  fi
  as_root gpg --dearmor --yes -o "$KEYRING" "$key" || { rm -f "$key"; return 1; }
  rm -f "$key"
  # A here-string, not a pipe: on --dry-run nothing reads it, and a pipe's writer would die of
  # SIGPIPE (a failure, under pipefail).
  as_root tee "$GOOGLE_LIST" <<<"$GOOGLE_SOURCE_LINE" >/dev/null || return 1
  if [ $dry_run = 1 ]; then
    as_root apt-get install -y -qq "$EMULATOR_PACKAGE"
    return 0
  fi
  if ! as_root apt-get update -qq || ! installable "$EMULATOR_PACKAGE"; then
    # A source that cannot be fetched would fail every later `apt-get update`: take it back.
    as_root rm -f "$GOOGLE_LIST"
    say "Google's apt repository was added but offers no $EMULATOR_PACKAGE here; removed $GOOGLE_LIST again"
    return 1
  fi
  as_root apt-get install -y -qq "$EMULATOR_PACKAGE"
}

# firebase-tools' own download of the emulator into its cache, as the user who runs the stack
# (under `sudo install-system.sh`, the user who ran sudo, not root's cache).
download_with_firebase_tools() {
  if [ ! -x "$root/node_modules/.bin/firebase" ]; then
    say "firebase-tools is not installed yet: run npm install first (npm run setup does)"
    return 1
  fi
  local as_user=()
  if [ "$(id -u)" -eq 0 ] && [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ]; then
    as_user=(sudo -u "$SUDO_USER" -H env "PATH=$PATH")
  fi
  if [ $dry_run = 1 ]; then
    printf 'system packages: would run: %s\n' "${as_user[*]} npx firebase setup:emulators:firestore" >&2
    return 0
  fi
  (cd "$root" && "${as_user[@]}" npx firebase setup:emulators:firestore) || return 1
  firestore_emulator_present
}

mapfile -t missing < <(missing_system_packages test)
if [ ${#missing[@]} -eq 0 ]; then
  say "all present"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
# First, so "installable" reflects the archive as it is today (a fresh image has no lists yet).
as_root apt-get update -qq

packages=()
need_emulator=0
for entry in "${missing[@]}"; do
  case "${entry%%$'\t'*}" in
    # Java 21 where the release has it: firebase-tools 15 wants it to run emulators itself.
    openjdk-17-jre-headless) choice="$(first_installable openjdk-21-jre-headless openjdk-17-jre-headless default-jre-headless)" ;;
    chromium) choice="$(first_installable chromium chromium-browser)" ;;
    "$EMULATOR_PACKAGE") need_emulator=1; continue ;;
    *) choice="${entry%%$'\t'*}" ;;
  esac
  if [ -z "$choice" ]; then
    say "apt offers no package for: ${entry#*$'\t'} (tried the usual Debian and Ubuntu names)" >&2
    exit 1
  fi
  packages+=("$choice")
done

emulator_route=none
if [ $need_emulator = 1 ]; then
  if installable "$EMULATOR_PACKAGE"; then
    packages+=("$EMULATOR_PACKAGE")
    emulator_route=configured
  else
    # What Google's instructions need to fetch and dearmor the key; from the archive.
    command -v curl >/dev/null || packages+=(curl ca-certificates)
    command -v gpg >/dev/null || packages+=(gnupg)
  fi
fi

if [ ${#packages[@]} -gt 0 ]; then
  say "installing ${packages[*]}"
  as_root apt-get install -y -qq "${packages[@]}"
fi

case "$emulator_route" in
  configured)
    say "Firestore emulator: installed $EMULATOR_PACKAGE from the apt sources already configured"
    ;;
  none)
    [ $need_emulator = 1 ] || exit 0
    say "Firestore emulator: $EMULATOR_PACKAGE is not in this machine's apt sources"
    if install_from_google_repository; then
      say "Firestore emulator: added Google's Cloud SDK apt repository ($GOOGLE_LIST, key $KEYRING, as https://cloud.google.com/sdk/docs/install#deb documents) and installed $EMULATOR_PACKAGE from it"
    elif java="$(java_major)" && [ "$java" -ge 21 ] && download_with_firebase_tools; then
      say "Firestore emulator: Google's apt repository is out of reach, so firebase-tools downloaded its own emulator (npx firebase setup:emulators:firestore) into $FIREBASE_EMULATORS_DIR; firebase-tools runs it on this Java $java"
    else
      {
        echo "system packages: could not install the official Firestore emulator. Either of two ways works:"
        echo "  - Google's Cloud SDK apt repository ($GOOGLE_APT_URL, see https://cloud.google.com/sdk/docs/install#deb),"
        echo "    reachable from this machine: then run npm run setup again; or"
        echo "  - Java 21 or later (this machine has $( [ "$(java_major)" -gt 0 ] && echo "Java $(java_major)" || echo "no Java")) and firebase-tools' own download:"
        echo "    npx firebase setup:emulators:firestore"
      } >&2
      exit 1
    fi
    ;;
esac
