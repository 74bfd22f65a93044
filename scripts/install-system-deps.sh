#!/usr/bin/env bash
# Installs what xephang needs from the distribution: Mosquitto (the MQTT broker), DejaVu fonts
# (full Vietnamese coverage for printed tickets) and Python's venv module.
# As root on Debian / Raspberry Pi OS it installs them with apt-get; otherwise it says what to run.
set -euo pipefail

missing=()
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || missing+=(mosquitto)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf ] || missing+=(fonts-dejavu-core)
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
for extra in "$@"; do
  case "$extra" in
    chromium) command -v chromium >/dev/null 2>&1 || missing+=(chromium) ;;
    # `systemd-analyze verify` checks the Pi units in the tests.
    systemd) command -v systemd-analyze >/dev/null 2>&1 || missing+=(systemd) ;;
    # `make bundle`: the local apt repository's index of the Pi packages.
    bundle) command -v dpkg-scanpackages >/dev/null 2>&1 || missing+=(dpkg-dev) ;;
    # The hall display's voice (espeak-ng), clip-set tooling (sox) and loudspeaker (aplay).
    display)
      command -v espeak-ng >/dev/null 2>&1 || missing+=(espeak-ng)
      command -v sox >/dev/null 2>&1 || missing+=(sox)
      command -v aplay >/dev/null 2>&1 || missing+=(alsa-utils) ;;
    # The city tier's tests and bench: PostgreSQL 15 and RabbitMQ (its MQTT plugin) from Debian.
    city)
      [ -x /usr/lib/postgresql/15/bin/initdb ] || missing+=(postgresql)
      [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || command -v rabbitmq-server >/dev/null 2>&1 \
        || missing+=(rabbitmq-server) ;;
    *) echo "unknown extra: $extra" >&2; exit 2 ;;
  esac
done

[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "xephang needs: ${missing[*]}. This system has no apt-get; install them with its package manager." >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "xephang needs: ${missing[*]}. Run:  sudo apt-get install -y ${missing[*]}   (or: sudo make install)" >&2
  exit 1
fi
echo "installing ${missing[*]} with apt-get"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
