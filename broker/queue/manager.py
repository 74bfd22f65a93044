"""Changes made from the pages beyond the counter protocol's actions: a manager opens or closes a
counter (one with a citizen at it closes once that citizen's ticket ends) and changes its
services; staff set a ticket aside while the citizen fetches a missing paper and put it back in
line, ahead of new tickets, when they return.

Each runs in one store transaction with its event (naming the account) and returns an Outcome, which
`BrokerService.run` publishes like any other change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from broker.errors import Rejected
from broker.queue.actions import Step, require_current
from broker.queue.overrides import with_services
from broker.queue.tickets import Outcome, Queue
from broker.store.db import Tx
from xephang.config import Counter
from xephang.protocol import COUNTER_CLOSING, COUNTER_CLOSING_CANCELLED


class Desk:
    def __init__(self, queue: Queue) -> None:
        self.queue = queue

    def _step(self, tx: Tx, counter_id: int, by: str | None) -> Step:
        counter = self._counter(counter_id)
        return Step(tx, self.queue.config, counter, {}, account=by)

    def _counter(self, counter_id: int) -> Counter:
        counter = self.queue.config.counter(counter_id)
        if counter is None:
            raise Rejected("unknown_counter", f"Không có quầy số {counter_id}.")
        return counter

    @staticmethod
    def _outcome(step: Step) -> Outcome:
        return Outcome(None, step.events, {step.counter_config.id}, step.announcements)

    # -- manager -------------------------------------------------------------------------------
    def open(self, counter_id: int, by: str | None) -> Outcome:
        """Open a closed counter; one that was to close after its citizen simply stays open."""
        with self.queue.store.transaction() as tx:
            step = self._step(tx, counter_id, by)
            self._open(step)
            return self._outcome(step)

    def close(self, counter_id: int, by: str | None) -> Outcome:
        """Close a counter; one with a citizen at it closes once that citizen's ticket ends."""
        with self.queue.store.transaction() as tx:
            step = self._step(tx, counter_id, by)
            self._close(step)
            return self._outcome(step)

    def set_services(self, counter_id: int, services: list[str], by: str | None) -> Outcome:
        known = [s.code for s in self.queue.config.services]
        chosen = [code for code in known if code in services]
        if not chosen:
            raise Rejected("no_service", "Một quầy phải phục vụ ít nhất một dịch vụ.")
        before = self._counter(counter_id).services
        with self.queue.store.transaction() as tx:
            tx.assign_services(counter_id, chosen)
            step = self._step(tx, counter_id, by)
            step.event("counter_services_changed", None, services=chosen, before=list(before))
        # Effective at once: the next call at this counter uses the new list.
        self.queue.config = with_services(self.queue.config, {counter_id: chosen})
        return self._outcome(step)

    def apply_plan(self, cells: Mapping[int, Sequence[str]], block: str, by: str | None) -> Outcome:
        """A block of the staffing plan, in one change: each counter gets the plan's services in
        the plan's order (opened if it was closed), a counter with none is closed. Each change is
        audited as if made by hand, plus one `plan_applied` naming the block."""
        known = {s.code for s in self.queue.config.services}
        outcome = Outcome(None)
        changes: dict[int, list[str]] = {}
        with self.queue.store.transaction() as tx:
            for counter_id, services in sorted(cells.items()):
                step = self._step(tx, counter_id, by)
                chosen = list(dict.fromkeys(code for code in services if code in known))
                if chosen:
                    changes[counter_id] = self._plan_services(step, chosen)
                else:
                    self._close(step)
                self._merge(outcome, step)
            outcome.events.append(tx.append_event("plan_applied", block=block,
                                                  counters=sorted(cells), account=by))
        self.queue.config = with_services(self.queue.config, changes)
        return outcome

    def _plan_services(self, step: Step, chosen: list[str]) -> list[str]:
        before = step.counter_config.services
        if list(before) != chosen:
            step.tx.assign_services(step.counter_config.id, chosen)
            step.event("counter_services_changed", None, services=chosen, before=list(before))
        self._open(step)
        return chosen

    @staticmethod
    def _open(step: Step) -> None:
        if step.counter.status == "closed":
            step.set_status("idle")
            step.event("counter_opened", None)
        elif step.counter.closing is not None:
            step.tx.update_counter(step.counter_config.id, closing=None)
            step.event(COUNTER_CLOSING_CANCELLED, step.current())

    @staticmethod
    def _close(step: Step) -> None:
        """Closed at once when no citizen is at the counter; else it takes no new call and closes
        when the current ticket ends (actions.Step.release), so the citizen's outcome is true."""
        current = step.current()
        if step.counter.status == "closed" or step.counter.closing is not None:
            return
        if current is None:
            step.set_status("closed", ticket=None)
            step.event("counter_closed", None)
            return
        step.tx.update_counter(step.counter_config.id, closing=step.account or "")
        step.event(COUNTER_CLOSING, current, number=current.number, service=current.service)

    @staticmethod
    def _merge(outcome: Outcome, step: Step) -> None:
        outcome.events.extend(step.events)
        outcome.announcements.extend(step.announcements)
        outcome.counters.add(step.counter_config.id)

    # -- staff: a citizen sent away for a missing paper ----------------------------------------
    def set_aside(self, counter_id: int, by: str | None) -> Outcome:
        with self.queue.store.transaction() as tx:
            step = self._step(tx, counter_id, by)
            current = require_current(step)
            tx.update_ticket(current.id, status="returning", counter=None, called_at=None)
            step.event("ticket_returning", current, number=current.number, service=current.service)
            step.release(last_ticket=current.id)
            return self._outcome(step)

    def came_back(self, counter_id: int, ticket_id: str, by: str | None) -> Outcome:
        """Back in line with its original issue time, called ahead of new tickets."""
        with self.queue.store.transaction() as tx:
            step = self._step(tx, counter_id, by)
            ticket = tx.ticket(ticket_id)
            if ticket is None or ticket.status != "returning":
                raise Rejected("not_returning", "Số này không ở trạng thái đi bổ sung giấy tờ.")
            tx.update_ticket(ticket.id, status="waiting", returned_at=tx.now)
            step.event("ticket_returned", ticket, number=ticket.number, service=ticket.service)
            return self._outcome(step)
