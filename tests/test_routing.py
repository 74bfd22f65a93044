"""The call rule on small hand-made situations: starvation, interleaving, one-service counters,
returning citizens, and the preference order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from routing.call_rule import Candidate, Rule, ServiceLoad, choose_next, normal_streak

NOW = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
LOADS = {"HT": ServiceLoad(target_s=1200, servers=5, waiting=3, mean_s=480),
         "CT": ServiceLoad(target_s=900, servers=5, waiting=3, mean_s=480),
         "DD": ServiceLoad(target_s=1800, servers=1, waiting=3, mean_s=480)}
RULE = Rule("interleaved", 3, LOADS)


def ticket(id_: str, service: str, minutes_ago: float, priority: str = "none",
           returning: bool = False) -> Candidate:
    return Candidate(id_, service, priority, NOW - timedelta(minutes=minutes_ago), returning)


def call(waiting: list[Candidate], services: list[str], rule: Rule = RULE,
         streak: int | None = None) -> str | None:
    chosen = choose_next(waiting, services, now=NOW, rule=rule, streak=streak)
    return chosen.id if chosen else None


def test_a_counter_prefers_its_first_service_when_lines_are_equally_late() -> None:
    same = ServiceLoad(target_s=1200, servers=5, waiting=1, mean_s=480)
    rule = Rule("interleaved", 3, {"HT": same, "CT": same})
    waiting = [ticket("ct", "CT", 1), ticket("ht", "HT", 1)]
    assert call(waiting, ["HT", "CT"], rule) == "ht"
    assert call(waiting, ["CT", "HT"], rule) == "ct"


def test_at_equal_waits_the_line_nearer_its_target_goes_first() -> None:
    waiting = [ticket("ct", "CT", 8), ticket("ht", "HT", 8)]  # CT's target is 15 min, HT's 20
    assert call(waiting, ["HT", "CT"]) == "ct"


def test_a_late_second_service_is_not_starved_by_a_busy_first_one() -> None:
    fresh_ht = [ticket(f"ht{i}", "HT", 2) for i in range(5)]
    late_ct = ticket("ct", "CT", 25)  # past its 15-minute target
    assert call([*fresh_ht, late_ct], ["HT", "CT"]) == "ct"


def test_equally_late_lines_go_to_the_service_with_fewer_counters() -> None:
    waiting = [ticket("ht", "HT", 10), ticket("dd", "DD", 10)]
    loads = {**LOADS, "HT": ServiceLoad(1200, servers=5, waiting=1, mean_s=480),
             "DD": ServiceLoad(1200, servers=1, waiting=1, mean_s=480)}
    assert call(waiting, ["HT", "DD"], Rule("interleaved", 3, loads)) == "dd"


def test_a_counter_serving_one_service_only_never_calls_another() -> None:
    waiting = [ticket("ht", "HT", 90, priority="elderly"), ticket("ct", "CT", 60, returning=True)]
    assert call(waiting, ["DD"]) is None
    assert call([*waiting, ticket("dd", "DD", 1)], ["DD"]) == "dd"


def test_the_oldest_of_a_line_is_called_first() -> None:
    waiting = [ticket("new", "HT", 1), ticket("old", "HT", 9), ticket("mid", "HT", 5)]
    assert call(waiting, ["HT"]) == "old"


def test_strict_mode_calls_every_priority_ticket_first() -> None:
    waiting = [ticket("n1", "HT", 30), ticket("p1", "HT", 1, "elderly"), ticket("p2", "HT", 2, "merit")]
    calls = drain(waiting, ["HT"], Rule("strict", 3, LOADS))
    assert calls == ["p2", "p1", "n1"]


def test_interleaved_mode_calls_one_priority_ticket_after_every_three_normal_ones() -> None:
    priority = [ticket(f"p{i}", "HT", 20 - i, "pregnant") for i in range(3)]
    normal = [ticket(f"n{i}", "HT", 40 - i) for i in range(7)]
    calls = drain([*priority, *normal], ["HT"], RULE)
    assert calls == ["p0", "n0", "n1", "n2", "p1", "n3", "n4", "n5", "p2", "n6"]


def test_a_returning_citizen_goes_before_other_priority_and_normal_tickets() -> None:
    waiting = [ticket("old", "CT", 30), ticket("elder", "CT", 10, "elderly"),
               ticket("back", "CT", 1, returning=True)]
    assert drain(waiting, ["CT"], Rule("strict", 3, LOADS)) == ["back", "elder", "old"]
    # A ticket the store marks with the "returning" priority class counts the same.
    marked = [ticket("old", "CT", 30), ticket("back", "CT", 1, priority="returning")]
    assert call(marked, ["CT"], streak=3) == "back"


def test_a_day_without_priority_calls_counts_as_a_full_streak() -> None:
    assert normal_streak([], 3) == 3
    assert normal_streak([False], 3) == 3
    assert normal_streak([False, True, False], 3) == 1
    assert normal_streak([True], 3) == 0


def drain(waiting: list[Candidate], services: list[str], rule: Rule) -> list[str]:
    """Call until nobody is left, keeping the center's recent calls as the broker does."""
    left, calls, recent = list(waiting), [], []
    while (chosen := choose_next(left, services, now=NOW, rule=rule,
                                 streak=normal_streak(recent, rule.every))) is not None:
        left.remove(chosen)
        calls.append(chosen.id)
        recent.insert(0, chosen.is_priority)
    return calls


def test_within_a_service_a_priority_ticket_is_never_passed_by_a_later_normal_one() -> None:
    # 3001 (disabled, Đất đai) waits; a normal Đất đai ticket issued 8 minutes later must not go
    # first, whatever the center's interleaving count says.
    disabled = ticket("3001", "DD", 10, "disabled")
    later = ticket("3002", "DD", 2)
    for streak in range(4):
        assert call([later, disabled], ["DD"], streak=streak) == "3001"
    # A normal ticket issued before it may still go first while it is not priority's turn.
    earlier = ticket("3000", "DD", 12)
    assert call([later, disabled, earlier], ["DD"], streak=0) == "3000"
    assert call([later, disabled, earlier], ["DD"], streak=3) == "3001"


def test_between_services_interleaving_and_strict_keep_their_meaning() -> None:
    waiting = [ticket("ht-old", "HT", 30), ticket("ct-elder", "CT", 5, "elderly")]
    # Not priority's turn: the late HT line goes first; the elderly CT ticket is not passed by any
    # CT ticket issued after it.
    assert call(waiting, ["HT", "CT"], streak=0) == "ht-old"
    assert call(waiting, ["HT", "CT"], streak=3) == "ct-elder"
    assert call(waiting, ["HT", "CT"], Rule("strict", 3, LOADS), streak=0) == "ct-elder"
    drained = drain([*waiting, ticket("ct-new", "CT", 1), ticket("ht-new", "HT", 1)],
                    ["HT", "CT"], RULE)
    assert drained.index("ct-elder") < drained.index("ct-new")
