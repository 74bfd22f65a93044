"""The call rule on small hand-made situations: starvation, interleaving, one-service counters,
returning citizens, and the preference order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from routing.call_rule import Candidate, Rule, ServiceLoad, choose_next, counter_shares, normal_streak

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


def test_at_equal_waits_the_quicker_service_goes_first() -> None:
    loads = {"HT": ServiceLoad(1200, servers=2, waiting=1, mean_s=600),
             "CT": ServiceLoad(1200, servers=2, waiting=1, mean_s=180)}
    waiting = [ticket("ht", "HT", 8), ticket("ct", "CT", 8)]  # CT takes 3 minutes, HT 10
    assert call(waiting, ["HT", "CT"], Rule("interleaved", 3, loads)) == "ct"


def test_a_long_wait_for_a_slow_service_goes_before_a_fresh_quick_one() -> None:
    loads = {"VX": ServiceLoad(1800, servers=1, waiting=1, mean_s=600),
             "TKQ": ServiceLoad(600, servers=1, waiting=1, mean_s=120)}
    rule = Rule("interleaved", 3, loads)
    # A 10-minute service's ticket that has waited 40 minutes beats a 2-minute one that just came,
    # even though the counter prefers TKQ; a fresh slow ticket does not.
    assert call([ticket("tkq", "TKQ", 2), ticket("vx", "VX", 40)], ["TKQ", "VX"], rule) == "vx"
    assert call([ticket("tkq", "TKQ", 2), ticket("vx", "VX", 3)], ["TKQ", "VX"], rule) == "tkq"


def test_a_late_second_service_is_not_starved_by_a_busy_first_one() -> None:
    fresh_ht = [ticket(f"ht{i}", "HT", 2) for i in range(5)]
    late_ct = ticket("ct", "CT", 25)  # past its 15-minute target
    assert call([*fresh_ht, late_ct], ["HT", "CT"]) == "ct"


def test_at_equal_waits_a_longer_line_goes_first() -> None:
    waiting = [ticket("ht", "HT", 10), ticket("dd", "DD", 10)]
    loads = {"HT": ServiceLoad(1200, servers=3, waiting=1, mean_s=480),
             "DD": ServiceLoad(1200, servers=3, waiting=6, mean_s=480)}
    assert call(waiting, ["HT", "DD"], Rule("interleaved", 3, loads)) == "dd"


def test_at_equal_waits_a_line_few_other_counters_serve_goes_first() -> None:
    # Đất đai has no other open counter; Kinh doanh has four more that will reach it.
    loads = {"KD": ServiceLoad(1500, servers=5, waiting=2, mean_s=480),
             "DD": ServiceLoad(1500, servers=1, waiting=2, mean_s=480)}
    waiting = [ticket("kd", "KD", 12), ticket("dd", "DD", 12)]
    assert call(waiting, ["KD", "DD"], Rule("interleaved", 3, loads)) == "dd"
    alone = {"KD": loads["KD"], "DD": ServiceLoad(1500, servers=5, waiting=2, mean_s=480)}
    assert call(waiting, ["KD", "DD"], Rule("interleaved", 3, alone)) == "kd"  # preference then


def test_a_counter_leaves_a_line_other_counters_cover_to_them() -> None:
    # Counter [KD, DD]; two counters serve each line, but KD's other one serves KD only while DD's
    # other one splits its time over three services. Even with KD's ticket waiting a little longer,
    # this counter takes the DD line, which gets less help.
    shares = counter_shares([["KD", "DD"], ["KD"], ["DD", "HT", "VX"]])
    assert (shares["KD"], round(shares["DD"], 3)) == (1.5, 0.833)
    loads = {code: ServiceLoad(1500, servers=2, waiting=2, mean_s=480, share=shares[code])
             for code in ("KD", "DD")}
    waiting = [ticket("kd", "KD", 15), ticket("dd", "DD", 12)]
    assert call(waiting, ["KD", "DD"], Rule("interleaved", 3, loads)) == "dd"
    # Equal help: KD's longer wait goes first.
    even = {code: ServiceLoad(1500, servers=2, waiting=2, mean_s=480, share=1.0) for code in loads}
    assert call(waiting, ["KD", "DD"], Rule("interleaved", 3, even)) == "kd"


def test_a_slow_ticket_is_called_within_minutes_while_quick_tickets_keep_coming() -> None:
    # A counter [TKQ, VX] with a steady line of 20 fresh 2-minute tickets: the one 10-minute VX
    # ticket is not starved; it is called once it has waited about six minutes.
    loads = {"TKQ": ServiceLoad(600, servers=1, waiting=20, mean_s=120),
             "VX": ServiceLoad(1500, servers=1, waiting=1, mean_s=600)}
    rule = Rule("interleaved", 3, loads)
    fresh = [ticket(f"tkq{i}", "TKQ", 1) for i in range(20)]
    called_at = next(minute for minute in range(60)
                     if call([*fresh, ticket("vx", "VX", minute)], ["TKQ", "VX"], rule) == "vx")
    assert 1 < called_at <= 10


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
    left, calls, recent = list(waiting), list[str](), list[bool]()
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


def test_priority_and_returning_tickets_still_go_before_a_long_wait_of_another_service() -> None:
    long_wait = ticket("ht-90", "HT", 90)
    elder = ticket("ct-elder", "CT", 1, "elderly")
    back = ticket("ct-back", "CT", 1, returning=True)
    assert call([long_wait, elder], ["HT", "CT"], streak=3) == "ct-elder"
    assert call([long_wait, elder, back], ["HT", "CT"], Rule("strict", 3, LOADS), streak=0) == "ct-back"


def test_a_ticket_past_the_tail_guard_goes_before_any_index() -> None:
    loads = {"VX": ServiceLoad(1800, servers=1, waiting=1, mean_s=600),
             "CT": ServiceLoad(900, servers=1, waiting=40, mean_s=180)}
    rule = Rule("interleaved", 3, loads)
    # 40 quick tickets whose oldest waited 95 minutes outweigh one slow ticket at 99 minutes...
    assert call([ticket("ct", "CT", 95), ticket("vx", "VX", 99)], ["CT", "VX"], rule) == "ct"
    # ...but not one that has waited 101: past 100 minutes the longest wait goes first.
    assert call([ticket("ct", "CT", 95), ticket("vx", "VX", 101)], ["CT", "VX"], rule) == "vx"
