#!/usr/bin/env bash
# download-debs.sh RELEASE ARCH DEST: the Debian packages xephang's roles need on a Raspberry Pi
# (RELEASE bookworm or trixie, ARCH arm64), with every dependency a Raspberry Pi OS image might
# lack, plus a Packages index so the installer can use DEST as a local apt repository offline.
# Resolution runs in a private apt folder (its own sources, an empty dpkg status seeded with the
# release's required and important packages, which every image has): this machine's apt state is
# never touched, and no `dpkg --add-architecture` is needed.
set -euo pipefail
RELEASE=$1
ARCH=$2
DEST=$3
# chrony: time from the broker; mosquitto(+clients): the broker's MQTT; espeak-ng, sox, alsa-utils:
# the hall display's voice; fonts-dejavu-core: Vietnamese on tickets; libusb: USB printers;
# python3-venv: the installer's virtualenv. Chromium comes with the Desktop image the displays run.
PACKAGES="chrony mosquitto mosquitto-clients espeak-ng sox alsa-utils fonts-dejavu-core libusb-1.0-0 python3-venv"
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SECURITY=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}

APT=$(mktemp -d)
trap 'rm -rf "$APT"' EXIT
mkdir -p "$APT/etc/apt/sources.list.d" "$APT/etc/apt/preferences.d" "$APT/var/lib/apt/lists/partial" \
         "$APT/var/cache/apt/archives/partial" "$APT/var/lib/dpkg" "$DEST"
touch "$APT/var/lib/dpkg/status"
cat > "$APT/etc/apt/sources.list" <<SOURCES
deb [arch=$ARCH signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR $RELEASE main
deb [arch=$ARCH signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR $RELEASE-updates main
deb [arch=$ARCH signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $SECURITY $RELEASE-security main
SOURCES
OPTS=(-o "Dir=$APT" -o "Dir::State::status=$APT/var/lib/dpkg/status" -o "APT::Architecture=$ARCH"
      -o "APT::Architectures=$ARCH" -o "Dir::Etc::TrustedParts=/etc/apt/trusted.gpg.d"
      -o "Debug::NoLocking=1" -o "APT::Install-Recommends=0" -o "APT::Sandbox::User=root")
apt-get "${OPTS[@]}" update -qq

# Every image has the release's required and important packages: mark them installed.
python3 - "$APT" <<'PY'
import glob, sys
root = sys.argv[1]
seen = {}
for path in glob.glob(f"{root}/var/lib/apt/lists/*_Packages"):
    for stanza in open(path, encoding="utf-8").read().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in stanza.splitlines() if ": " in line and not line.startswith(" "))
        if fields.get("Priority") in ("required", "important") and "Package" in fields:
            seen[fields["Package"]] = fields
with open(f"{root}/var/lib/dpkg/status", "w", encoding="utf-8") as status:
    for name, f in sorted(seen.items()):
        status.write(f"Package: {name}\nStatus: install ok installed\nArchitecture: {f['Architecture']}\n"
                     f"Version: {f['Version']}\n")
        for key in ("Depends", "Pre-Depends", "Provides", "Multi-Arch"):
            if key in f:
                status.write(f"{key}: {f[key]}\n")
        status.write("\n")
PY

apt-get "${OPTS[@]}" install -qq -y --download-only $PACKAGES >/dev/null
cp "$APT"/var/cache/apt/archives/*.deb "$DEST/"
(cd "$DEST" && dpkg-scanpackages --multiversion . /dev/null > Packages 2>/dev/null)
echo "$(ls "$DEST"/*.deb | wc -l) packages for $RELEASE/$ARCH in $DEST ($(du -sh "$DEST" | cut -f1))"
