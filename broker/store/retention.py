"""What retention removes (broker/reports/nightly.py decides when): a closed day's tickets and
their events once past the configured days, stored replies, and sign-in addresses in old audit
events; never an event the city uplink has not acknowledged."""

from __future__ import annotations

from datetime import datetime

from broker.store.base import Queries, iso
from broker.store.figures import FIGURES_VERSION

UPLINK_ACKED = "uplink_acked_seq"


class RetentionQueries(Queries):
    def uplink_acked_seq(self) -> int | None:
        """The newest event the city acknowledged on `uplink/ack` (DESIGN §2, §3), or None when no
        uplink is configured: then nothing upstream holds retention back. The uplink stores 0
        when it is set up, and its acknowledged marks from then on (`mark_uplink_acked`)."""
        row = self.execute("SELECT value FROM settings WHERE key = ?", (UPLINK_ACKED,)).fetchone()
        return None if row is None else int(row["value"])

    def mark_uplink_acked(self, seq: int) -> None:
        """Record the city's acknowledged mark; it only moves forward."""
        self.execute("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE"
                     " SET value = excluded.value"
                     " WHERE CAST(value AS INTEGER) < CAST(excluded.value AS INTEGER)",
                     (UPLINK_ACKED, str(seq)))

    def days_to_reduce(self, before_day: str) -> list[str]:
        """Closed days before `before_day` that still have tickets, oldest first; only days whose
        figures are of the current version (an older one is written again first), or a day already
        reduced (a late offline ticket counted into its figures: broker/queue/tickets.py)."""
        rows = self.execute("SELECT DISTINCT day FROM tickets WHERE day < ? AND day IN"
                            " (SELECT day FROM days_closed WHERE version >= ? OR reduced = 1)"
                            " ORDER BY day", (before_day, FIGURES_VERSION))
        return [str(row["day"]) for row in rows]

    def newest_event_of_day(self, day: str) -> int:
        """The last event seq about any ticket of this day (0 if none)."""
        row = self.execute("SELECT MAX(e.seq) AS seq FROM events e JOIN tickets t ON e.ticket = t.id"
                           " WHERE t.day = ?", (day,)).fetchone()
        return int(row["seq"] or 0)

    def reduce_day(self, day: str) -> int:
        """Delete a day's tickets, their events and numbering; returns the tickets deleted."""
        day_tickets = "SELECT id FROM tickets WHERE day = ?"
        for row in self.execute(day_tickets + " AND status = 'waiting'", (day,)).fetchall():
            self._line.touch(str(row["id"]))  # a ticket left waiting that day leaves the line
        self.execute(f"UPDATE counters SET ticket = NULL WHERE ticket IN ({day_tickets})", (day,))
        self.execute(f"UPDATE counters SET last_ticket = NULL WHERE last_ticket IN ({day_tickets})",
                     (day,))
        self.execute(f"DELETE FROM events WHERE ticket IN ({day_tickets})", (day,))
        self.execute("DELETE FROM sequences WHERE day = ?", (day,))
        self.execute("UPDATE days_closed SET reduced = 1 WHERE day = ?", (day,))  # figures alone
        return self.execute("DELETE FROM tickets WHERE day = ?", (day,)).rowcount

    def forget_before(self, moment: datetime, hold: int | None) -> None:
        """Stored replies (they name tickets) and the sign-in addresses in audit events older than
        `moment`; events after `hold` are left as they are."""
        cutoff = iso(moment)
        self.execute("DELETE FROM request_replies WHERE at < ?", (cutoff,))
        self.execute("DELETE FROM command_replies WHERE at < ?", (cutoff,))
        self.execute("UPDATE events SET data = json_remove(data, '$.address') WHERE at < ?"
                     " AND seq <= ? AND json_extract(data, '$.address') IS NOT NULL",
                     (cutoff, hold if hold is not None else 2**62))
