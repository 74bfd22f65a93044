"""Who may publish and read what on the center's Mosquitto (DESIGN.md section 5), as a Mosquitto ACL.

Each device is a Mosquitto user named by its device id. A device publishes only its own topics and
reads only what it needs; requests carry `id_hash`, so only the broker reads them.
"""

from __future__ import annotations

from dataclasses import dataclass

from xephang.config import SiteConfig
from xephang.protocol import BROKER_ID, Topics, doctor_login


@dataclass(frozen=True)
class DeviceRights:
    """One Mosquitto user: the topics (or filters) it may publish to and read."""

    device_id: str
    publishes: tuple[str, ...]
    reads: tuple[str, ...]


def device_rights(config: SiteConfig, observers: tuple[str, ...] = ()) -> list[DeviceRights]:
    """The section 5 table for this site, broker first. `observers` get the broker's rights: the
    test suite's own clients only, never a production device (the command line has no way to add
    one)."""
    topics = Topics(config.site.id)
    everything = (f"{topics.root}/#",)
    rights = [DeviceRights(BROKER_ID, everything, everything)]
    rights += [_kiosk(topics, kiosk.id) for kiosk in config.kiosks]
    for display in config.displays:
        if display.kind == "hall":
            said = (topics.device_status(display.id), topics.device_announced(display.id))
            rights.append(DeviceRights(display.id, said,
                                       (f"{topics.root}/hall/#", topics.counter_state("+"))))
        else:
            assert display.counter is not None  # the config requires it for a counter unit
            rights.append(_counter_unit(topics, display.id, display.counter))
    rights += [DeviceRights(name, everything, everything) for name in observers]
    return rights


def doctor_rights(devices: list[DeviceRights]) -> list[DeviceRights]:
    """One login per device for `xephang doctor` (its password is the device's): it may connect,
    and read or publish nothing."""
    return [DeviceRights(doctor_login(device.device_id), (), ()) for device in devices]


def _kiosk(topics: Topics, kiosk_id: str) -> DeviceRights:
    return DeviceRights(
        kiosk_id,
        (topics.kiosk_request(kiosk_id), topics.kiosk_offline_issued(kiosk_id),
         topics.device_status(kiosk_id)),
        (topics.kiosk_reply(kiosk_id), topics.hall_state),
    )


def _counter_unit(topics: Topics, device_id: str, counter: int) -> DeviceRights:
    return DeviceRights(
        device_id,
        (topics.counter_command(counter), topics.device_status(device_id)),
        (topics.counter_reply(counter), topics.counter_state(counter), topics.hall_state),
    )


def acl_text(rights: list[DeviceRights]) -> str:
    """Mosquitto's `acl_file` format: a `user` block per device; anything not listed is refused."""
    lines = ["# Made by `xephang credentials`; edit site.toml and run it again instead of this file.",
             "# Anything not listed here is refused (anonymous clients cannot connect at all).", ""]
    for device in rights:
        lines.append(f"user {device.device_id}")
        both = [t for t in device.publishes if t in device.reads]
        lines += [f"topic readwrite {t}" for t in both]
        lines += [f"topic write {t}" for t in device.publishes if t not in both]
        lines += [f"topic read {t}" for t in device.reads if t not in both]
        lines.append("")
    return "\n".join(lines)
