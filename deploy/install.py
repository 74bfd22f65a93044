"""The bundle's installer (`sudo ./install --role kiosk --id kiosk-1`), offline, on Raspberry Pi OS.

Standard library only: it runs before xephang is installed. Without --role/--id it reads them from
/boot/firmware/xephang.txt (`role = kiosk`, `id = kiosk-1`), so one prepared SD card image serves
every Pi. It installs the missing Debian packages from the bundle's local repository, creates the
`xephang` user and folders, the virtualenv from the bundle's wheels (pip --no-index), the config
and the device's credentials, Mosquitto's config (broker), chrony (the broker serves time, the others
follow it), the units and, for a display, the screen (labwc autostart); enables the units and ends
with `xephang doctor`. `--root DIR` installs into DIR instead of / and leaves the system alone
(no packages, user, ownership or systemctl): for tests and for preparing an image.
"""

from __future__ import annotations

import argparse
import os
import pwd
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

BUNDLE = Path(__file__).resolve().parent
BOOT_FILES = (Path("/boot/firmware/xephang.txt"), Path("/boot/xephang.txt"))
ROLES = ("broker", "kiosk", "display")
GROUPS = {"broker": (), "kiosk": ("gpio", "dialout", "lp", "plugdev", "video"),
          "display": ("gpio", "audio")}
PACKAGES = {"broker": ("python3-venv", "chrony", "mosquitto", "mosquitto-clients"),
            "kiosk": ("python3-venv", "chrony", "fonts-dejavu-core", "libusb-1.0-0"),
            "display": ("python3-venv", "chrony", "espeak-ng", "sox", "alsa-utils")}
EXTRAS = {"broker": "broker", "kiosk": "kiosk", "display": "display"}
USER = "xephang"
DATA_LABEL = "xephang-data"
# The data partition is mounted at /data; the state folders that must survive a read-only (overlay)
# root are bind-mounted from it: the queue database and kiosk outbox, Mosquitto's persistent
# sessions, chrony's drift.
DATA_BINDS = ("/var/lib/xephang", "/var/lib/mosquitto", "/var/lib/chrony")


class InstallError(Exception):
    pass


@dataclass(frozen=True)
class Plan:
    role: str
    device_id: str
    root: Path
    site: Path
    desktop_user: str | None
    read_only_root: bool = False

    def path(self, absolute: str) -> Path:
        return self.root / absolute.lstrip("/")

    @property
    def live(self) -> bool:
        """Installing onto this very system (not into a --root folder)."""
        return self.root == Path("/")

    @property
    def unit(self) -> str:
        return "xephang-broker.service" if self.role == "broker" else \
            f"xephang-{self.role}@{self.device_id}.service"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        plan = _plan(args)
        if plan.live and os.geteuid() != 0:
            raise InstallError("run as root: sudo ./install …")
        install(plan)
        # The doctor claims the pins, the camera and the device's MQTT login: before the role does.
        checked = doctor(plan)
        if plan.live:
            _run(["systemctl", "start", "chrony.service", plan.unit])
    except InstallError as exc:
        print(f"install: {exc}", file=sys.stderr)
        return 2
    return checked


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="install", description="xephang offline installer")
    parser.add_argument("--role", choices=ROLES)
    parser.add_argument("--id", help="device id from site.toml: broker, kiosk-1, hall-1, counter-5")
    parser.add_argument("--site", type=Path, default=BUNDLE / "site",
                        help="site.toml plus `xephang credentials` output (default: the bundle's)")
    parser.add_argument("--root", type=Path, default=Path("/"), help="install into this folder")
    parser.add_argument("--desktop-user", help="the display's auto-login desktop user")
    parser.add_argument("--boot-file", type=Path, action="append",
                        help=f"where role and id are read from (default {BOOT_FILES[0]}, then "
                        f"{BOOT_FILES[1]})")
    parser.add_argument("--read-only-root", action="store_true",
                        help="finish by turning on the overlay root (raspi-config), state on the "
                        f"data partition labelled {DATA_LABEL}")
    return parser


def read_boot_file(paths: tuple[Path, ...] = BOOT_FILES) -> dict[str, str]:
    """`key = value` lines of the boot partition's xephang.txt ('#' starts a comment)."""
    for path in paths:
        if path.is_file():
            pairs = (line.split("#", 1)[0].split("=", 1) for line in path.read_text().splitlines())
            return {k.strip(): v.strip().strip('"') for k, v in (p for p in pairs if len(p) == 2)}
    return {}


def _plan(args: argparse.Namespace) -> Plan:
    boot_files = tuple(args.boot_file) if args.boot_file else BOOT_FILES
    boot = read_boot_file(boot_files) if not (args.role and args.id) else {}
    role = args.role or boot.get("role")
    device_id = "broker" if role == "broker" else args.id or boot.get("id")
    if role not in ROLES or not device_id:
        raise InstallError("say which device this is: --role kiosk --id kiosk-1, or role = … and "
                           f"id = … in {BOOT_FILES[0]}")
    if not (args.site / "site.toml").is_file():
        raise InstallError(f"no site.toml in {args.site}")
    desktop = args.desktop_user or boot.get("desktop_user") or _autologin_user()
    return Plan(role, device_id, args.root.resolve(), args.site.resolve(), desktop,
                args.read_only_root)


def _autologin_user() -> str | None:
    """Raspberry Pi OS Desktop's auto-login user (lightdm), else whoever ran sudo."""
    lightdm = Path("/etc/lightdm/lightdm.conf")
    if lightdm.is_file():
        found = re.search(r"^autologin-user=(\S+)", lightdm.read_text(), re.MULTILINE)
        if found:
            return found[1]
    return os.environ.get("SUDO_USER")


def install(plan: Plan) -> None:
    step = _say
    step(f"xephang {plan.role} {plan.device_id} into {plan.root}")
    if plan.live:
        install_packages(PACKAGES[plan.role] + (("overlayroot",) if plan.read_only_root else ()))
        create_user(plan.role)
    data_partition(plan)
    folders(plan)
    virtualenv(plan)
    site_files(plan)
    if plan.role == "broker":
        mosquitto(plan)
    chrony(plan)
    units(plan)
    if plan.role == "display":
        screen(plan)
    if plan.live:
        _run(["systemctl", "daemon-reload"])
        _run(["systemctl", "enable", "chrony.service", plan.unit])
        _run(["systemctl", "restart", "chrony.service"])  # its new config, before the clock check
        if plan.read_only_root:
            _say("overlay root on from the next boot (raspi-config nonint do_overlayfs 0)")
            _run(["raspi-config", "nonint", "do_overlayfs", "0"])


def _say(text: str) -> None:
    print(f"== {text}", flush=True)


def _run(command: list[str], **kwargs: object) -> None:
    try:
        subprocess.run(command, check=True, **kwargs)  # type: ignore[call-overload]
    except (OSError, subprocess.CalledProcessError) as exc:
        raise InstallError(f"{' '.join(command)}: {exc}") from exc


def _release() -> str:
    text = Path("/etc/os-release").read_text() if Path("/etc/os-release").is_file() else ""
    found = re.search(r"^VERSION_CODENAME=(\S+)", text, re.MULTILINE)
    return found[1] if found else ""


def install_packages(packages: tuple[str, ...]) -> None:
    """The role's Debian packages that are missing, from the bundle's repository, no network."""
    repo = BUNDLE / "debs" / _release()
    if not (repo / "Packages").is_file():
        _say(f"no packages for {_release() or 'this release'} in the bundle; using what is installed")
        return
    source = BUNDLE / "xephang-offline.list"
    source.write_text(f"deb [trusted=yes] file:{repo} ./\n")
    apt = ["-o", f"Dir::Etc::SourceList={source}", "-o", "Dir::Etc::SourceParts=-",
           "-o", "APT::Get::List-Cleanup=0"]
    _run(["apt-get", *apt, "update", "-qq"])
    _run(["apt-get", *apt, "install", "-y", "-qq", "--no-install-recommends", *packages],
         env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})


def create_user(role: str) -> None:
    try:
        pwd.getpwnam(USER)
    except KeyError:
        _run(["useradd", "--system", "--home-dir", "/var/lib/xephang", "--no-create-home",
              "--shell", "/usr/sbin/nologin", USER])
    existing = {g for g in GROUPS[role] if _group_exists(g)}
    if existing:
        _run(["usermod", "--append", "--groups", ",".join(sorted(existing)), USER])


def _group_exists(name: str) -> bool:
    import grp

    try:
        grp.getgrnam(name)
    except KeyError:
        return False
    return True


def data_partition(plan: Plan) -> None:
    """Mount the partition labelled xephang-data at /data and bind the state folders onto it."""
    device = Path(f"/dev/disk/by-label/{DATA_LABEL}")
    if not device.exists():
        if plan.read_only_root:
            raise InstallError(f"--read-only-root needs a partition labelled {DATA_LABEL} "
                               "(systemd/README.md, read-only root)")
        return
    fstab = plan.path("/etc/fstab")
    text = fstab.read_text() if fstab.is_file() else ""
    lines = [f"LABEL={DATA_LABEL} /data ext4 defaults,noatime 0 2"]
    lines += [f"/data{folder} {folder} none bind,x-systemd.requires-mounts-for=/data 0 0"
              for folder in DATA_BINDS]
    missing = [line for line in lines if line not in text.splitlines()]
    if missing:
        fstab.write_text(text + "".join(f"{line}\n" for line in missing))
    for folder in ("/data", *DATA_BINDS):
        plan.path(folder).mkdir(parents=True, exist_ok=True)
    if plan.live:
        _run(["systemctl", "daemon-reload"])
        if subprocess.run(["mountpoint", "-q", "/data"], check=False).returncode != 0:
            _run(["mount", "/data"])
        for folder in DATA_BINDS:
            _seed(Path(folder), Path(f"/data{folder}"))
        _run(["mount", "-a"])


def _seed(folder: Path, on_data: Path) -> None:
    """The folder's copy on the data partition, first filled from the root's, same owner."""
    if not on_data.exists():
        if folder.is_dir():
            shutil.copytree(folder, on_data, symlinks=True)
        else:
            on_data.mkdir(parents=True)
    stat = folder.stat() if folder.exists() else on_data.stat()
    os.chown(on_data, stat.st_uid, stat.st_gid)


def folders(plan: Plan) -> None:
    for folder in ("/opt/xephang", "/etc/xephang/credentials", "/var/lib/xephang"):
        plan.path(folder).mkdir(parents=True, exist_ok=True)
    plan.path("/etc/xephang/credentials").chmod(0o700)
    if plan.live:
        shutil.chown("/var/lib/xephang", USER, USER)


def virtualenv(plan: Plan) -> None:
    """The venv sees the image's own python3-lgpio (GPIO on every Pi, PyPI has no wheel of it)."""
    venv = plan.path("/opt/xephang/venv")
    if not (venv / "bin/python").exists():
        _run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)])
    wheel = next((BUNDLE / "wheels").glob("xephang-*.whl"), None)
    if wheel is None:
        raise InstallError(f"no xephang wheel in {BUNDLE / 'wheels'}")
    _run([str(venv / "bin/python"), "-m", "pip", "install", "--quiet", "--no-index", "--ignore-installed",
          "--find-links", str(BUNDLE / "wheels"), f"xephang[{EXTRAS[plan.role]}] @ {wheel.as_uri()}"],
         env={**os.environ, "PIP_NO_INPUT": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"})


CENTER = "/etc/xephang/center"  # the broker's `xephang credentials` folder (CA, Mosquitto, devices)


def site_files(plan: Plan) -> None:
    shutil.copy(plan.site / "site.toml", plan.path("/etc/xephang/site.toml"))
    if plan.role == "broker":
        center_credentials(plan)
    device = (plan.path(CENTER) if plan.role == "broker" else plan.site) / "devices" / plan.device_id
    if not (device / "mqtt-password").is_file():
        raise InstallError(f"no credentials for {plan.device_id} in {device.parent}: copy the "
                           f"server's {CENTER}/devices/{plan.device_id}/ (made by `xephang "
                           "credentials`) into the bundle's site/devices/")
    for name in ("mqtt-password", "ca.crt"):
        if (device / name).is_file():
            target = plan.path(f"/etc/xephang/credentials/{name}")
            shutil.copy(device / name, target)
            target.chmod(0o600)


def center_credentials(plan: Plan) -> None:
    """The broker makes (or, run again, keeps) the center's CA, Mosquitto config and every device's
    password in /etc/xephang/center; the site folder may bring a saved one (a replaced broker)."""
    center = plan.path(CENTER)
    if not center.exists() and (plan.site / "center").is_dir():
        shutil.copytree(plan.site / "center", center, symlinks=True)
    _run([str(plan.path("/opt/xephang/venv/bin/xephang")), "credentials", "--config",
          str(plan.path("/etc/xephang/site.toml")), "--out", str(center)])
    _say(f"the other Pis' credentials: copy {CENTER}/devices/ into the bundle's site/devices/")


def mosquitto(plan: Plan) -> None:
    """The center's Mosquitto: `xephang credentials`' snippet (listeners, no anonymous, password
    file, ACL, TLS) linked into conf.d; enabled and restarted."""
    snippet = plan.path(f"{CENTER}/mosquitto/xephang.conf")
    if not snippet.is_file():
        raise InstallError(f"no {snippet}: `xephang credentials` did not make it")
    link = plan.path("/etc/mosquitto/conf.d/xephang.conf")
    link.parent.mkdir(parents=True, exist_ok=True)
    link.unlink(missing_ok=True)
    link.symlink_to(snippet if not plan.live else Path(f"{CENTER}/mosquitto/xephang.conf"))
    if plan.live:
        _run(["systemctl", "enable", "mosquitto.service"])
        _run(["systemctl", "restart", "mosquitto.service"])


def broker_host(site_toml: Path) -> str:
    url = tomllib.loads(site_toml.read_text(encoding="utf-8")).get("mqtt", {}).get("url", "")
    found = re.match(r"^mqtts?://\[?([^\]/:]+)\]?:\d+", str(url))
    if not found:
        raise InstallError(f"{site_toml}: [mqtt] url {url!r} names no broker host")
    return found[1]


def chrony(plan: Plan) -> None:
    """The broker serves its time to the LAN (a local stratum when it has no upstream); the other
    Pis follow the broker and step their clock at any offset (a Pi without RTC boots wrong)."""
    conf = plan.path("/etc/chrony/conf.d/xephang.conf")
    conf.parent.mkdir(parents=True, exist_ok=True)
    if plan.role == "broker":
        text = (BUNDLE / "files/chrony-broker.conf").read_text()
    else:
        text = (BUNDLE / "files/chrony-device.conf").read_text().replace(
            "@BROKER@", broker_host(plan.site / "site.toml"))
    conf.write_text(text)


def units(plan: Plan) -> None:
    target = plan.path("/etc/systemd/system")
    target.mkdir(parents=True, exist_ok=True)
    for unit in (BUNDLE / "systemd").glob("*.service"):
        shutil.copy(unit, target / unit.name)


def screen(plan: Plan) -> None:
    """Chromium in kiosk mode from labwc's autostart (Raspberry Pi OS Desktop), screen never blanks."""
    launcher = plan.path("/opt/xephang/bin/xephang-screen")
    launcher.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(BUNDLE / "files/xephang-screen", launcher)
    launcher.chmod(0o755)
    if plan.desktop_user is None:
        _say("no desktop user found: add /opt/xephang/bin/xephang-screen to labwc's autostart")
        return
    home = Path(pwd.getpwnam(plan.desktop_user).pw_dir) if plan.live else \
        plan.path(f"/home/{plan.desktop_user}")
    autostart = home / ".config/labwc/autostart"
    autostart.parent.mkdir(parents=True, exist_ok=True)
    lines = autostart.read_text().splitlines() if autostart.is_file() else []
    if "/opt/xephang/bin/xephang-screen &" not in lines:
        autostart.write_text("\n".join([*lines, "/opt/xephang/bin/xephang-screen &"]) + "\n")
    if plan.live:
        shutil.chown(autostart, plan.desktop_user, plan.desktop_user)
        if shutil.which("raspi-config"):
            _run(["raspi-config", "nonint", "do_blanking", "1"])  # 1 = blanking off


def doctor(plan: Plan) -> int:
    _say(f"xephang doctor --id {plan.device_id}")
    command = [str(plan.path("/opt/xephang/venv/bin/xephang")), "doctor", "--config",
               str(plan.path("/etc/xephang/site.toml")), "--id", plan.device_id,
               "--mqtt-password-file", str(plan.path("/etc/xephang/credentials/mqtt-password")),
               "--state-dir", str(plan.path("/var/lib/xephang"))]
    return subprocess.run(command, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
