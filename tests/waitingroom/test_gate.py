"""The live state of the gate, without HTTP."""

import pytest

from matricule.waitingroom import gate as gates


@pytest.mark.parametrize("total", [2, 3, 7, 64, 1000])
def test_the_draw_is_a_permutation(total):
    key = b"k" * 32
    numbers = [gates.shuffled(index, total, key) for index in range(1, total + 1)]
    assert sorted(numbers) == list(range(1, total + 1))
    if total > 3:
        assert numbers != list(range(1, total + 1))


def test_the_draw_depends_on_the_gate_secret():
    first = [gates.shuffled(i, 50, b"a" * 32) for i in range(1, 51)]
    second = [gates.shuffled(i, 50, b"b" * 32) for i in range(1, 51)]
    assert first != second


def test_a_forged_or_altered_cookie_is_ignored():
    card = gates.Card(gate=1, holder="abc", kind=gates.PASS, slot=3, touched=10)
    value = card.dumps()
    assert gates.Card.loads(value) == card
    payload, stamp, signature = value.split(":")
    forged = gates.Card(gate=1, holder="abc", kind=gates.PASS, slot=4, touched=10).dumps().split(":")[0]
    assert gates.Card.loads(f"{forged}:{stamp}:{signature}") is None
    assert gates.Card.loads("garbage") is None


def test_places_are_taken_atomically_up_to_capacity(make_gate, clock):
    make_gate(capacity=3)
    config = gates.active_gate()
    slots = [gates.take_place(config, f"h{i}") for i in range(5)]
    assert sorted(s for s in slots if s is not None) == [0, 1, 2]
    assert slots[3:] == [None, None]


def test_the_estimated_wait_follows_the_measured_pace(make_gate, clock):
    make_gate(capacity=10)
    config = gates.active_gate()
    assert gates.estimated_wait(config, 20, rate=0.5) == 40
    # Without a measure, a visit is taken to last WAITINGROOM_VISIT_MINUTES (10): 10 places/600 s.
    assert gates.estimated_wait(config, 20, rate=None) == 1200


@pytest.mark.parametrize(
    ("decision", "expected"),
    [
        ({"position": 0}, 2),  # let in, waiting for a place: back very soon
        ({"position": 3, "wait_seconds": 6}, 3),  # about to be let in: half the estimated wait
        ({"position": 40, "wait_seconds": 600}, 10),  # far in the line: the configured period
        ({"opens_at": 1003.2}, 4),  # the opening in 3.2 s
        ({"opens_at": 1000.5}, 2),  # never faster than every 2 s
    ],
    ids=["let-in", "near", "far", "opening-soon", "floor"],
)
def test_the_page_reloads_sooner_near_the_front(decision, expected, settings):
    settings.WAITINGROOM_REFRESH_SECONDS = 10
    card = gates.Card(gate=1, holder="h", kind=gates.TICKET)
    assert gates.refresh_after(gates.Decision(card=card, admitted=False, **decision), at=1000.0) == expected


def test_an_arrival_at_a_gate_far_from_full_does_not_read_every_place(make_gate, clock, monkeypatch):
    make_gate(capacity=1000)
    config = gates.active_gate()

    def every_place(gate):
        raise AssertionError("read all 1000 places for one arrival")

    monkeypatch.setattr(gates, "occupied", every_place)
    decision = gates.arrive(config, None)
    assert decision.admitted
    assert gates.holds(config, decision.card)


def test_the_last_free_place_is_found_when_the_random_tries_miss(make_gate, clock, monkeypatch):
    make_gate(capacity=3)
    config = gates.active_gate()
    assert gates.take_place(config, "first", taken=[1, 2]) == 0
    assert gates.take_place(config, "second", taken=[0, 2]) == 1
    monkeypatch.setattr(gates.secrets, "randbelow", lambda n: 0)  # every try lands on a taken place
    decision = gates.arrive(config, None)
    assert decision.admitted and decision.card.slot == 2
    assert not gates.arrive(config, None).admitted  # now full: a ticket


def test_a_newcomer_does_not_take_a_place_kept_for_a_ticket_let_in(make_gate, clock):
    make_gate(capacity=2)
    config = gates.active_gate()
    assert gates.take_place(config, "inside") is not None
    # One ticket let in, not come yet, within its grace period: the free place is its own.
    store = gates.cache()
    store.set_many({config.key("late"): 1, config.key("pointer"): 1, config.key("claimed"): 0}, timeout=None)
    store.set(config.key("pending_until"), clock.t + 60, timeout=None)
    current = gates.state(config, clock.t)
    assert (current.waiting, current.reserved) == (0, 1)
    assert not gates.arrive(config, None).admitted
    assert len(gates.occupied(config)) == 1
