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
# python3-venv: the installer's virtualenv; overlayroot: the read-only root. Chromium comes with the Desktop image the displays run.
PACKAGES="chrony mosquitto mosquitto-clients espeak-ng sox alsa-utils fonts-dejavu-core libusb-1.0-0 python3-venv overlayroot"
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SECURITY=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}

APT=$(mktemp -d)
[ -n "${KEEP_APT:-}" ] || trap 'rm -rf "$APT"' EXIT; echo "apt folder: $APT"
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
import glob, re, subprocess, sys
root = sys.argv[1]
packages = {}
# The release's own list first: its -updates and -security lists then replace what they renew.
for path in sorted(glob.glob(f"{root}/var/lib/apt/lists/*_Packages*"),
                   key=lambda p: ("-updates_" in p or "-security_" in p, p)):
    # apt-helper reads the lists however this machine's apt stores them (plain, gz, lz4…).
    text = subprocess.run(["/usr/lib/apt/apt-helper", "cat-file", path], capture_output=True,
                          text=True, check=True).stdout
    for stanza in text.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in stanza.splitlines()
                      if ": " in line and not line.startswith(" "))
        if "Package" in fields:
            packages[fields["Package"]] = fields
# Required and important packages, and everything they depend on, are on every image.
todo = [n for n, f in packages.items() if f.get("Priority") in ("required", "important")]
installed = set()
while todo:
    name = todo.pop()
    if name in installed or name not in packages:
        continue
    installed.add(name)
    fields = packages[name]
    for clause in ", ".join(fields.get(k, "") for k in ("Pre-Depends", "Depends")).split(","):
        names = [re.sub(r"[ (:].*", "", alt.strip()) for alt in clause.split("|") if alt.strip()]
        todo.extend(next(([n] for n in names if n in packages), []))
with open(f"{root}/var/lib/dpkg/status", "w", encoding="utf-8") as status:
    for name in sorted(installed):
        f = packages[name]
        status.write(f"Package: {name}\nStatus: install ok installed\nArchitecture: {f['Architecture']}\n"
                     f"Version: {f['Version']}\n")
        for key in ("Depends", "Pre-Depends", "Provides", "Multi-Arch", "Essential"):
            if key in f:
                status.write(f"{key}: {f[key]}\n")
        status.write("\n")
print(f"{len(installed)} packages taken as already on the image")
PY

apt-get "${OPTS[@]}" install -qq -y --download-only $PACKAGES >/dev/null
cp "$APT"/var/cache/apt/archives/*.deb "$DEST/"
(cd "$DEST" && dpkg-scanpackages --multiversion . /dev/null > Packages 2>/dev/null)
echo "$(ls "$DEST"/*.deb | wc -l) packages for $RELEASE/$ARCH in $DEST ($(du -sh "$DEST" | cut -f1))"
