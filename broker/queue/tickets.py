"""The queue's operations: issue a ticket, accept an offline one, run a counter command.

Each runs in one store transaction that checks the idempotency record first, then changes state,
appends events and stores the reply, so a repeated request_id or command_id is answered with the
first reply and changes nothing.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from broker.errors import Rejected
from broker.queue.actions import ACTIONS, Step, close_now
from broker.queue.autocall import auto_call
from broker.queue.clock_check import ahead, behind, clock_problem
from broker.queue.day_end import end_past_days, expire
from broker.queue.live import closed_services, local_day
from broker.queue.messages import ticket_message, waiting_ticket
from broker.queue.overrides import apply_overrides
from broker.reports.figures import day_figures
from broker.store.db import EventRow, NewTicket, Store, TicketRow, Tx, iso
from forecast.model import Forecast
from xephang.config import SiteConfig
from xephang.protocol import (
    CLOCK_CONFIRMED,
    TICKET_OFFLINE,
    Announcement,
    CounterCommand,
    CounterReply,
    OfflineTicket,
    TicketReply,
    TicketRequest,
    parse_number,
    ticket_number,
)

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    """A reply plus what changed, for the caller to publish once the change is committed."""

    reply: TicketReply | CounterReply | None
    events: list[EventRow] = field(default_factory=list)
    counters: set[int] = field(default_factory=set)
    announcements: list[Announcement] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.events)

    def then(self, later: Outcome) -> Outcome:
        """This change followed by `later` (its reply), published together."""
        if not self.changed:
            return later
        return Outcome(later.reply, [*self.events, *later.events], self.counters | later.counters,
                       [*self.announcements, *later.announcements])


class Queue:
    def __init__(self, config: SiteConfig, store: Store,
                 new_id: Callable[[], str] = lambda: uuid.uuid4().hex) -> None:
        self.config = config
        self.store = store
        self._new_id = new_id
        # The latest wait forecast at a moment (broker/forecaster.py); none until one is set up.
        self.forecast: Callable[[datetime], Forecast | None] = lambda now: None
        store.ensure_counters(c.id for c in config.counters)
        self.config = apply_overrides(config, store)  # a manager's run-time counter changes
        self._open_day: str | None = None  # the local day whose earlier days are ended
        self._ahead_since: datetime | None = None  # the clock is ahead (broker/queue/clock_check.py)

    def end_past_days(self, *, force: bool = False) -> Outcome:
        """End the tickets earlier days left (broker/queue/day_end.py): once per new local day
        before its first change (a broker running through midnight), or whenever `force`d (the
        nightly job). Its events and freed counters are the caller's to publish."""
        if not force and local_day(self.config, self.store.now()) == self._open_day:
            return Outcome(None)
        with self.store.transaction() as tx:
            ended = end_past_days(tx, self.config)
            ended.events += [close_now(tx, c) for c in sorted(ended.counters)
                             if tx.counter(c).closing is not None]  # its citizen's day is over
            day = local_day(self.config, tx.now)
        if ended.clock_ahead is not None:
            self._clock_ahead(tx.now, ended.clock_ahead)
            return Outcome(None)
        self._ahead_since = None
        self._open_day = day
        return Outcome(None, ended.events, ended.counters)

    def _clock_ahead(self, now: datetime, seen: datetime) -> None:
        if self._ahead_since is None:  # said once each time it happens
            log.warning("the clock says %s, %s after the last moment seen on a believed clock (%s):"
                        " no day is ended and no ticket issued until it comes back or the manager "
                        "confirms it", now.isoformat(), now - seen, seen.isoformat())
        self._ahead_since = now

    def clock_problem(self) -> str:
        """The broker's clock problem (`clock_behind`, `clock_ahead`) or "" (its device status)."""
        with self.store.snapshot() as tx:
            return clock_problem(tx)

    def confirm_clock(self, account: str) -> Outcome:
        """The manager says the clock is right (the broker was off that long): believed from now,
        noted with a `clock_confirmed` event; then the days it passed end as usual."""
        with self.store.transaction() as tx:
            seen = tx.clock_seen()
            tx.note_clock(tx.now)
            event = tx.append_event(CLOCK_CONFIRMED, account=account,
                                    last_believed=iso(seen) if seen is not None else None)
        return Outcome(None, [event]).then(self.end_past_days())

    # -- kiosks --------------------------------------------------------------------------------
    def issue(self, request: TicketRequest, kiosk: str) -> Outcome:
        return self.end_past_days().then(self._issue_once(request, kiosk))

    def _issue_once(self, request: TicketRequest, kiosk: str) -> Outcome:
        key = str(request.request_id)
        with self.store.transaction() as tx:
            stored = (tx.stored_reply("request", key)
                      or tx.stored_reply("request", _abandoned_key(kiosk, key)))
            if stored is not None:
                return Outcome(TicketReply.model_validate_json(stored))
            outcome = self._issue(tx, request, kiosk)
            auto_call(tx, self.config, outcome)
            assert outcome.reply is not None
            tx.store_reply("request", key, outcome.reply.model_dump_json())
            return outcome

    def _issue(self, tx: Tx, request: TicketRequest, kiosk: str) -> Outcome:
        service = self.config.service(request.service)
        if service is None:
            return Outcome(TicketReply(
                request_id=request.request_id, ok=False, error="unknown_service",
                detail=f"Trung tâm không có dịch vụ {request.service} (unknown service)."))
        refused = self._clock_refused(tx, request)
        if refused is not None:
            return Outcome(refused)
        day = local_day(self.config, tx.now)
        live = tx.live_ticket(day, service.code, request.id_hash) if request.id_hash else None
        if live is not None:
            return self._reprint(tx, request, live, kiosk)
        closed = closed_services(tx, self.config).get(service.code)
        if closed is not None:  # the kiosk's button says the same (routing/availability.py)
            return Outcome(TicketReply(request_id=request.request_id, ok=False,
                                       error=closed.reason, detail=closed.detail))
        seq = tx.allocate_seq(day, service.code, service.start)
        if seq > service.last:  # above `last` are the kiosks' offline blocks: never issue there
            return Outcome(TicketReply(
                request_id=request.request_id, ok=False, error="numbers_exhausted",
                detail=f"Dịch vụ {service.code} đã cấp hết số hôm nay (last = {service.last})."))
        row = tx.insert_ticket(NewTicket(
            id=self._new_id(), request_id=str(request.request_id), day=day, service=service.code,
            seq=seq, number=ticket_number(service.prefix, seq), priority=request.priority,
            source=request.source, issued_at=tx.now, kiosk=kiosk, id_hash=request.id_hash,
            booking_code=request.booking_code, dossier_code=request.dossier_code))
        ticket = waiting_ticket(tx, self.config, row, self.forecast(tx.now))
        event = tx.append_event("ticket_issued", ticket=row.id, number=row.number,
                                service=row.service, priority=row.priority, source=row.source,
                                kiosk=kiosk, ahead=ticket.ahead, eta_s=ticket.eta_s)
        return Outcome(TicketReply(request_id=request.request_id, ok=True, ticket=ticket),
                       events=[event])

    def _clock_refused(self, tx: Tx, request: TicketRequest) -> TicketReply | None:
        """No number on a clock that runs behind its own tickets (it would reopen a past day) or
        that jumped far past the last moment it was believed (it would number a day to come)."""
        zone = self.config.site.zone
        shown = f"Đồng hồ máy chủ đang chỉ {tx.now.astimezone(zone):%H:%M ngày %d/%m/%Y}"
        newest, seen = behind(tx), ahead(tx)
        if newest is not None:
            detail = (f"{shown}, sớm hơn vé mới nhất ({newest.astimezone(zone):%H:%M ngày %d/%m/%Y}):"
                      " không cấp số trên đồng hồ sai. Kỹ thuật viên kiểm tra đồng hồ (chrony) rồi "
                      "thử lại.")
        elif seen is not None:
            detail = (f"{shown}, muộn hơn nhiều so với lần cuối máy chủ chạy đúng giờ "
                      f"({seen.astimezone(zone):%H:%M ngày %d/%m/%Y}): chưa cấp số. Nếu giờ này "
                      "đúng, quản lý xác nhận trên trang Bảng theo dõi; nếu sai, kỹ thuật viên "
                      "chỉnh đồng hồ (chrony).")
        else:
            return None
        return TicketReply(request_id=request.request_id, ok=False, error="clock_wrong",
                           detail=detail)

    def _reprint(self, tx: Tx, request: TicketRequest, live: TicketRow, kiosk: str) -> Outcome:
        """One citizen, one live number per service: the same ticket again, not a new number."""
        ticket = waiting_ticket(tx, self.config, live, self.forecast(tx.now))
        event = tx.append_event("ticket_reprinted", ticket=live.id, number=live.number,
                                service=live.service, kiosk=kiosk)
        return Outcome(TicketReply(request_id=request.request_id, ok=True, ticket=ticket,
                                   reprint=True), events=[event])

    def _check_block(self, offline: OfflineTicket, kiosk: str) -> None:
        """An offline number must lie in the sending kiosk's own block (config), which is never
        one the broker issues nor another kiosk's."""
        service = self.config.service(offline.service)
        prefix, seq = parse_number(offline.number) or (-1, -1)
        section = self.config.kiosk(kiosk)
        block = section.offline if section is not None else None
        if (service is None or block is None or prefix != service.prefix
                or not block.first <= seq <= block.last):
            raise Rejected("outside_block", f"số {offline.number} không thuộc khối số cấp khi mất "
                           f"kết nối của ki-ốt {kiosk} (number outside the kiosk's offline block)")

    def accept_offline(self, offline: OfflineTicket, kiosk: str) -> Outcome:
        """Store a ticket a kiosk printed while the broker was away, once, with its own number; one
        of a day already over is ended at once, in its own day (never into today's line)."""
        return self.end_past_days().then(self._accept_offline_once(offline, kiosk))

    def _accept_offline_once(self, offline: OfflineTicket, kiosk: str) -> Outcome:
        with self.store.transaction() as tx:
            row = tx.ticket_by_request(str(offline.request_id))
            if row is not None:
                return Outcome(self._offline_reply(tx, offline, row))
            stored = tx.stored_reply("request", str(offline.request_id))  # its day reduced since
            if stored is not None:
                return Outcome(TicketReply.model_validate_json(stored))
            if self.config.service(offline.service) is None:
                raise Rejected("unknown_service", f"Trung tâm không có dịch vụ {offline.service}.")
            if tx.ticket(offline.id) is not None:
                raise Rejected("duplicate_ticket", f"ticket id {offline.id} already exists")
            self._check_block(offline, kiosk)
            new = self._offline_row(offline, kiosk)
            if tx.offline_number_taken(new.day, new.number):
                raise Rejected("duplicate_number", f"Số {new.number} ngày {new.day} đã được một "
                               "phiếu in khi mất kết nối khác dùng (duplicate offline number).")
            row = tx.insert_ticket(new)
            event = tx.append_event(TICKET_OFFLINE, ticket=row.id, number=row.number,
                                    service=row.service, priority=row.priority, kiosk=kiosk)
            events = [event, *self._abandon(tx, offline, row, kiosk), *self._late(tx, row, event)]
            reply = self._offline_reply(tx, offline, tx.ticket(row.id) or row)
            if tx.is_reduced(row.day):  # retention deletes it again: a resend finds its answer
                tx.store_reply("request", str(offline.request_id), reply.model_dump_json())
            return Outcome(reply, events=events)

    def _late(self, tx: Tx, row: TicketRow, printed: EventRow) -> list[EventRow]:
        """An offline ticket of a day already over: ended as that day's end ended its others.
        The day's figures, if already written, are made again from its tickets by the nightly job;
        when retention already reduced the day to its figures, the ticket is counted into them."""
        day = row.day
        if day >= local_day(self.config, tx.now) or ahead(tx) is not None:
            return []  # today's (or the clock cannot tell: its day ends with the others)
        ended = expire(tx, self.config, row)
        kept = tx.others_kept(day, row.id)
        if tx.is_reduced(day) or (not kept and tx.has_figures(day)):
            self._count_into_kept(tx, tx.ticket(row.id) or row, [printed, ended])
        elif kept:
            tx.reopen_day(day)
        return [ended]

    def _count_into_kept(self, tx: Tx, row: TicketRow, events: list[EventRow]) -> None:
        """A ticket of a day retention reduced: its own figures (issued offline, ended in line)
        added to the day's, once; the nightly job then reduces it away like the day's others (and
        never writes the day again from the few tickets that arrived after)."""
        tx.add_figures(day_figures([row], events, self.config.site.zone))
        tx.mark_reduced(row.day)
        log.warning("offline ticket %s of %s (kiosk %s) arrived after retention reduced its day to "
                    "figures: counted into that day's figures", row.number, row.day, row.kiosk)

    def _abandon(self, tx: Tx, offline: OfflineTicket, row: TicketRow,
                 kiosk: str) -> list[EventRow]:
        """`kiosk` printed `row` instead of waiting for its request: a ticket the broker issued
        for that request is held by nobody, so it is cancelled; a request still to arrive from
        `kiosk` is answered with the offline ticket and issues nothing. Only the kiosk's own
        request: another kiosk's ticket or request is not its to give up."""
        if offline.abandoned_request_id is None:
            return []
        key = str(offline.abandoned_request_id)
        phantom = tx.ticket_by_request(key)
        if phantom is None:
            own = _abandoned_key(kiosk, key)
            if tx.stored_reply("request", key) is None and tx.stored_reply("request", own) is None:
                tx.store_reply("request", own, self._offline_reply(tx, offline, row).model_copy(
                    update={"request_id": offline.abandoned_request_id}).model_dump_json())
            return []
        if phantom.status != "waiting" or phantom.origin != "broker" or phantom.kiosk != kiosk:
            return []
        tx.update_ticket(phantom.id, status="cancelled", finished_at=iso(tx.now))
        return [tx.append_event("ticket_cancelled", ticket=phantom.id, number=phantom.number,
                                service=phantom.service, reason="offline_ticket_printed",
                                replaced_by=row.id)]

    def _offline_row(self, offline: OfflineTicket, kiosk: str) -> NewTicket:
        issued = offline.issued_at
        if issued.tzinfo is None:
            issued = issued.replace(tzinfo=self.config.site.zone)
        _, seq = parse_number(offline.number) or (0, 0)
        return NewTicket(
            id=offline.id, request_id=str(offline.request_id), day=local_day(self.config, issued),
            service=offline.service, seq=seq, number=offline.number,
            priority=offline.priority, source="button", issued_at=issued, origin="offline",
            kiosk=kiosk)

    def _offline_reply(self, tx: Tx, offline: OfflineTicket, row: TicketRow) -> TicketReply:
        return TicketReply(request_id=offline.request_id, ok=True,
                           ticket=waiting_ticket(tx, self.config, row))

    # -- counters ------------------------------------------------------------------------------
    def command(self, counter_id: int, command: CounterCommand,
                account: str | None = None) -> Outcome:
        return self.end_past_days().then(self._command_once(counter_id, command, account))

    def _command_once(self, counter_id: int, command: CounterCommand,
                      account: str | None) -> Outcome:
        key = str(command.command_id)
        counter_config = self.config.counter(counter_id)
        with self.store.transaction() as tx:
            stored = tx.stored_reply("command", key)
            if stored is not None:
                return Outcome(CounterReply.model_validate_json(stored))
            if counter_config is None:
                return Outcome(CounterReply(
                    command_id=command.command_id, ok=False, error="unknown_counter",
                    detail=f"Không có quầy số {counter_id} (unknown counter)."))
            step = Step(tx, self.config, counter_config, dict(command.args), account=account)
            outcome = self._run(step, command)
            auto_call(tx, self.config, outcome)
            assert outcome.reply is not None
            tx.store_reply("command", key, outcome.reply.model_dump_json(), counter_id)
            return outcome

    def _run(self, step: Step, command: CounterCommand) -> Outcome:
        try:
            with step.tx.savepoint():
                shown = ACTIONS[command.action](step)
        except Rejected as exc:
            return Outcome(CounterReply(command_id=command.command_id, ok=False, error=exc.code,
                                        detail=exc.detail, status=step.counter.status))
        reply = CounterReply(command_id=command.command_id, ok=True,
                             ticket=ticket_message(shown) if shown else None,
                             status=step.counter.status,
                             withdrawn=step.withdrawn.number if step.withdrawn else None)
        changed = {step.counter_config.id} if step.events else set()
        return Outcome(reply, step.events, changed, step.announcements)


def _abandoned_key(kiosk: str, request_id: str) -> str:
    """Where the answer to a request `kiosk` gave up on is kept until the request arrives: under the
    kiosk's name, so the same request id from another kiosk is not answered with it."""
    return f"{kiosk}/abandoned/{request_id}"
