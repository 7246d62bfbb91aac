"""The live state of the admission gate, kept in the cache shared by every web process.

A gate has `capacity` places, each a cache key `slot:<i>` holding the token of the browser
that occupies it, with the idle time as its expiry: a student's activity pushes the expiry
back, so an active student never loses their place and an idle one gives it back by itself.

Past capacity, an arrival takes a ticket: a number from an atomic counter. The gate lets
tickets in by moving a pointer: tickets up to the pointer may take a free place. The pointer
is moved by the number of free places, at most once per grace period (a short lock), by
whichever waiting browser notices first; tickets let in who do not come within the grace
period leave their place to the following ones at the next move.

Those who arrive before the opening get an early ticket: an arrival index only. At the
opening the count of early tickets is frozen and each index is mapped to a queue number by
a keyed random permutation, so they are placed in random order, with no list kept anywhere
and nothing written when they refresh.

Everything a browser needs to be recognised is in a signed cookie (gate, token, kind,
number, place, last activity), so a refresh while waiting only reads a few cache keys.
"""

import hashlib
import hmac
import math
import secrets
import time
from dataclasses import dataclass, replace

from django.conf import settings
from django.core import signing
from django.core.cache import caches

SALT = "matricule.waitingroom"
PASS, TICKET, EARLY = "p", "t", "e"

_config = {"loaded_at": None, "gates": ()}


def now() -> float:
    """The clock of the gate (tests move it)."""
    return time.time()


def setting(name: str, default):
    return getattr(settings, name, default)


def cache():
    return caches[setting("WAITINGROOM_CACHE", "default")]


def refresh_seconds() -> int:
    return int(setting("WAITINGROOM_REFRESH_SECONDS", 10))


def grace_seconds() -> int:
    """How long tickets let in have to come before their places are offered further."""
    return int(setting("WAITINGROOM_GRACE_SECONDS", 2 * refresh_seconds()))


# --- Configuration, read from the database at most every few seconds per process -------------


@dataclass(frozen=True)
class GateConfig:
    pk: int
    capacity: int
    idle_seconds: int
    opens_at: float
    closes_at: float
    draw_seed: str
    university: str

    def key(self, name: str) -> str:
        return f"wr:{self.pk}:{name}"

    def slot_key(self, slot: int) -> str:
        return self.key(f"slot:{slot}")

    def user_key(self, user_id: int) -> str:
        return self.key(f"user:{user_id}")

    @property
    def touch_seconds(self) -> int:
        # Often enough that the place never expires under an active student.
        return max(1, min(60, self.idle_seconds // 4))


def forget_configuration(**kwargs) -> None:
    """Drop this process's copy of the gates (on a change; other processes follow within
    WAITINGROOM_CONFIG_SECONDS)."""
    _config["loaded_at"] = None


def _load() -> tuple[GateConfig, ...]:
    from matricule.institution.models import University

    from .models import Gate

    rows = (
        Gate.objects.filter(enabled=True, window__closes_at__gt=_aware(now()))
        .select_related("window")
        .order_by("window__opens_at")
    )
    university = University.objects.only("name").first()
    return tuple(
        GateConfig(
            pk=gate.pk,
            capacity=gate.capacity,
            idle_seconds=gate.idle_minutes * 60,
            opens_at=gate.window.opens_at.timestamp(),
            closes_at=gate.window.closes_at.timestamp(),
            draw_seed=gate.draw_seed,
            university=university.name if university else "",
        )
        for gate in rows
    )


def _aware(epoch: float):
    import datetime

    return datetime.datetime.fromtimestamp(epoch, tz=datetime.UTC)


def active_gate(at: float | None = None) -> GateConfig | None:
    """The enabled gate of the window open now, or opening soon; None lets everyone in."""
    at = now() if at is None else at
    loaded_at = _config["loaded_at"]
    if loaded_at is None or abs(at - loaded_at) > setting("WAITINGROOM_CONFIG_SECONDS", 10):
        _config["gates"], _config["loaded_at"] = _load(), at
    early = setting("WAITINGROOM_EARLY_MINUTES", 60) * 60
    for gate in _config["gates"]:
        if gate.opens_at - early <= at < gate.closes_at:
            return gate
    return None


# --- The cookie -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Card:
    """What the browser carries: a pass (a place) or a ticket (a number in the queue)."""

    gate: int
    holder: str
    kind: str
    number: int = 0  # ticket number, or arrival index of an early ticket
    slot: int = -1
    touched: int = 0
    user: int = 0

    def dumps(self) -> str:
        return signing.dumps(
            [self.gate, self.holder, self.kind, self.number, self.slot, self.touched, self.user],
            salt=SALT,
            compress=False,
        )

    @classmethod
    def loads(cls, value: str | None) -> "Card | None":
        if not value:
            return None
        try:
            gate, holder, kind, number, slot, touched, user = signing.loads(value, salt=SALT)
            return cls(int(gate), str(holder), str(kind), int(number), int(slot), int(touched), int(user))
        except (signing.BadSignature, ValueError, TypeError):
            return None


def new_holder() -> str:
    return secrets.token_hex(8)


# --- Places -----------------------------------------------------------------------------------------


def occupied(gate: GateConfig) -> list[int]:
    values = cache().get_many([gate.slot_key(i) for i in range(gate.capacity)])
    return [i for i in range(gate.capacity) if gate.slot_key(i) in values]


def take_place(gate: GateConfig, holder: str, taken: list[int] | None = None) -> int | None:
    """A free place for the holder, atomically (cache.add), or None when all are taken."""
    store = cache()
    for _attempt in range(4):
        taken = set(occupied(gate) if taken is None else taken)
        free = [i for i in range(gate.capacity) if i not in taken]
        if not free:
            return None
        slot = free[secrets.randbelow(len(free))]
        if store.add(gate.slot_key(slot), holder, timeout=gate.idle_seconds):
            return slot
        taken = None  # taken meanwhile: look again
    return None


PROBES = 3


def probe_place(gate: GateConfig, holder: str) -> int | None:
    """A place taken by trying a few at random (atomically, cache.add): found at once while the
    gate is far from full; None says "look at every place" (take_place), not "full"."""
    store = cache()
    for _attempt in range(min(PROBES, gate.capacity)):
        slot = secrets.randbelow(gate.capacity)
        if store.add(gate.slot_key(slot), holder, timeout=gate.idle_seconds):
            return slot
    return None


def holds(gate: GateConfig, card: Card) -> bool:
    return card.slot >= 0 and cache().get(gate.slot_key(card.slot)) == card.holder


def touch(gate: GateConfig, card: Card, at: float) -> Card | None:
    """Keep an active student's place; None when it was lost (idle past the time)."""
    if not holds(gate, card):
        return None
    store = cache()
    store.touch(gate.slot_key(card.slot), gate.idle_seconds)
    if card.user:
        store.touch(gate.user_key(card.user), gate.idle_seconds)
    return replace(card, touched=int(at))


def release(gate: GateConfig, card: Card) -> None:
    """Give the place back (logout)."""
    store = cache()
    if holds(gate, card):
        store.delete(gate.slot_key(card.slot))
    if card.user:
        store.delete(gate.user_key(card.user))


def bind_user(gate: GateConfig, card: Card, user_id: int) -> Card:
    """Tie the place to the signed-in student. A student who already holds a place from another
    browser shares it: one student never takes two places."""
    store = cache()
    current = store.get(gate.user_key(user_id))
    if current and tuple(current) != (card.slot, card.holder):
        other_slot, other_holder = current
        if store.get(gate.slot_key(other_slot)) == other_holder:
            if holds(gate, card):
                store.delete(gate.slot_key(card.slot))
            return replace(card, slot=other_slot, holder=other_holder, user=user_id)
    store.set(gate.user_key(user_id), (card.slot, card.holder), timeout=gate.idle_seconds)
    return replace(card, user=user_id)


def pass_of_user(gate: GateConfig, user_id: int, at: float) -> Card | None:
    """The place a signed-in student already holds (from another browser), if any."""
    current = cache().get(gate.user_key(user_id))
    if not current:
        return None
    slot, holder = current
    card = Card(gate=gate.pk, holder=holder, kind=PASS, slot=slot, touched=int(at), user=user_id)
    return card if holds(gate, card) else None


# --- The queue ----------------------------------------------------------------------------------------


def _seed_key(gate: GateConfig) -> bytes:
    return hashlib.sha256(f"{settings.SECRET_KEY}:{SALT}:{gate.pk}:{gate.draw_seed}".encode()).digest()


def shuffled(index: int, total: int, key: bytes) -> int:
    """A keyed random permutation of 1..total (a small Feistel network with cycle walking):
    the queue number of the index-th early arrival. Nothing is stored; the same index always
    gives the same number."""
    if total <= 1 or not 1 <= index <= total:
        return index
    bits = max(2, (total - 1).bit_length())
    bits += bits % 2
    half, mask = bits // 2, (1 << (bits // 2)) - 1
    x = index - 1
    while True:
        left, right = x >> half, x & mask
        for round_ in range(4):
            digest = hmac.new(key, f"{round_}:{right}".encode(), hashlib.sha256).digest()
            left, right = right, left ^ (int.from_bytes(digest[:8], "big") & mask)
        x = (left << half) | right
        if x < total:
            return x + 1


def _counter(name: str, gate: GateConfig, step: int = 1) -> int:
    store = cache()
    store.add(gate.key(name), 0, timeout=None)
    return store.incr(gate.key(name), step)


def early_total(gate: GateConfig) -> int:
    """How many arrived before the opening, frozen by the first look after the opening."""
    store = cache()
    total = store.get(gate.key("early_total"))
    if total is None:
        store.add(gate.key("early_total"), store.get(gate.key("early"), 0), timeout=None)
        total = store.get(gate.key("early_total"), 0)
    return total


def ticket_number(gate: GateConfig, card: Card) -> int:
    if card.kind == EARLY:
        return shuffled(card.number, early_total(gate), _seed_key(gate))
    return card.number


@dataclass(frozen=True)
class QueueState:
    pointer: int
    highest: int
    reserved: int  # tickets let in less than a grace period ago and not come yet
    early: int
    rate: float | None  # tickets let in per second, lately

    @property
    def waiting(self) -> int:
        return max(0, self.highest - self.pointer)


STATE_KEYS = ["pointer", "late", "early", "early_total", "pending_until", "claimed", "rate"]


def state(gate: GateConfig, at: float) -> QueueState:
    values = cache().get_many([gate.key(name) for name in STATE_KEYS])
    get = {name: values.get(gate.key(name)) for name in STATE_KEYS}
    frozen = get["early_total"]
    early = frozen if frozen is not None else (get["early"] or 0)
    pointer = get["pointer"] or 0
    # After the grace period, tickets let in who did not come no longer hold places back.
    pending = (get["pending_until"] or 0) > at
    return QueueState(
        pointer=pointer,
        highest=early + (get["late"] or 0),
        reserved=max(0, pointer - (get["claimed"] or 0)) if pending else 0,
        early=get["early"] or 0,
        rate=get["rate"],
    )


def advance(gate: GateConfig, at: float) -> QueueState:
    """Let in as many tickets as there are free places not kept for tickets already let in.
    A one-second lock keeps the processes from doing it together; a refresh that finds the
    lock taken writes nothing."""
    current = state(gate, at)
    store = cache()
    if current.waiting == 0 or store.get(gate.key("advance")) is not None:
        return current
    if not store.add(gate.key("advance"), 1, timeout=1):
        return current  # another process is at it
    free = gate.capacity - len(occupied(gate)) - current.reserved
    boost = 1
    if not current.reserved:
        # A new batch. When nobody of the previous batch came (tickets of browsers gone, or
        # of clients without cookies), let in twice as many, and so on: abandoned tickets are
        # passed quickly. Letting in too many is harmless: each still needs a free place.
        boost = store.get(gate.key("boost"), 1)
        last = store.get_many([gate.key("claimed"), gate.key("batch_base")])
        came = (last.get(gate.key("claimed")) or 0) - (last.get(gate.key("batch_base")) or 0)
        boost = 1 if came > 0 or gate.key("batch_base") not in last else min(boost * 2, 64)
    step = min(free * boost, current.waiting)
    if step <= 0:
        return current
    store.add(gate.key("pointer"), 0, timeout=None)
    pointer = store.incr(gate.key("pointer"), step)
    if not current.reserved:
        # What was let in before and never came is not waited for any more.
        store.set_many(
            {
                gate.key("claimed"): pointer - step,
                gate.key("batch_base"): pointer - step,
                gate.key("boost"): boost,
            },
            timeout=None,
        )
    store.set(gate.key("pending_until"), at + grace_seconds(), timeout=None)
    sample = store.get(gate.key("sample"))
    if sample is None or at - sample[0] >= 30:
        store.set(gate.key("sample"), (at, pointer), timeout=None)
    if sample is not None and at - sample[0] >= 5:
        store.set(gate.key("rate"), (pointer - sample[1]) / (at - sample[0]), timeout=None)
    return replace(current, pointer=pointer, reserved=current.reserved + step)


@dataclass(frozen=True)
class Decision:
    card: Card
    admitted: bool
    position: int = 0  # 0: let in, waiting for a place to free
    wait_seconds: int | None = None
    opens_at: float | None = None  # set before the opening

    @property
    def before_opening(self) -> bool:
        return self.opens_at is not None


# A waiting page near the front of the line reloads sooner: a place that frees stays empty
# until the next student's page comes back, which with a fixed period cost up to a whole period
# per place (bench/rush: capacity 8 held barely half of what the machine could).
MIN_REFRESH_SECONDS = 2


def refresh_after(decision: Decision, at: float) -> int:
    """Seconds before the waiting page reloads itself: the configured period, shorter when the
    student is about to be let in (or the opening is near)."""
    period = refresh_seconds()
    if decision.before_opening:
        soon = decision.opens_at - at
    elif decision.position <= 0:
        soon = 0  # let in: waiting for a place to free
    else:
        soon = (decision.wait_seconds or period) / 2
    return max(MIN_REFRESH_SECONDS, min(period, int(math.ceil(soon))))


def estimated_wait(gate: GateConfig, position: int, rate: float | None) -> int:
    if position <= 0:
        return refresh_seconds()
    if not rate or rate <= 0:
        # No measure yet: a visit takes about WAITINGROOM_VISIT_MINUTES.
        rate = gate.capacity / (setting("WAITINGROOM_VISIT_MINUTES", 10) * 60)
    return int(math.ceil(position / rate))


def _wait(gate, card, number, current) -> Decision:
    position = max(0, number - current.pointer)
    return Decision(
        card=card,
        admitted=False,
        position=position,
        wait_seconds=estimated_wait(gate, position, current.rate),
    )


def _try_ticket(gate: GateConfig, card: Card, at: float) -> Decision:
    number = ticket_number(gate, card)
    current = state(gate, at)
    if number > current.highest:
        # A ticket of a line the cache no longer knows (Redis restarted, queue emptied by staff).
        return arrive(gate, replace(card, kind=PASS), at)
    if number > current.pointer:
        current = advance(gate, at)
    if number <= current.pointer:
        slot = take_place(gate, card.holder)
        if slot is not None:
            _counter("claimed", gate)
            return Decision(
                card=Card(gate=gate.pk, holder=card.holder, kind=PASS, slot=slot, touched=int(at)),
                admitted=True,
            )
    return _wait(gate, card, number, current)


def arrive(gate: GateConfig, card: Card | None, at: float | None = None) -> Decision:
    """A browser without a valid pass asks for the registration flow."""
    at = now() if at is None else at
    holder = card.holder if card is not None else new_holder()
    if card is not None and card.kind in (TICKET, EARLY) and card.gate == gate.pk:
        if card.kind == EARLY and at < gate.opens_at:
            return Decision(card=card, admitted=False, opens_at=gate.opens_at)
        return _try_ticket(gate, card, at)
    if at < gate.opens_at:
        index = _counter("early", gate)
        return Decision(
            card=Card(gate=gate.pk, holder=holder, kind=EARLY, number=index),
            admitted=False,
            opens_at=gate.opens_at,
        )
    current = state(gate, at)
    if current.waiting == 0:
        # No ticket holds a place back: any free place will do, and a few random tries find one
        # without reading all `capacity` places at each arrival (the opening-day hot path).
        slot = probe_place(gate, holder) if current.reserved == 0 else None
        if slot is None:
            taken = occupied(gate)
            if len(taken) + current.reserved < gate.capacity:
                slot = take_place(gate, holder, taken)
        if slot is not None:
            return Decision(
                card=Card(gate=gate.pk, holder=holder, kind=PASS, slot=slot, touched=int(at)), admitted=True
            )
    # Late tickets are numbered after the early ones.
    ticket = Card(gate=gate.pk, holder=holder, kind=TICKET, number=early_total(gate) + _counter("late", gate))
    return _try_ticket(gate, ticket, at)


@dataclass(frozen=True)
class Overview:
    gate: GateConfig
    active: int
    waiting: int
    early: int
    before_opening: bool
    wait_seconds: int | None


def overview(gate: GateConfig, at: float | None = None) -> Overview:
    """For the staff page: places in use, students in line."""
    at = now() if at is None else at
    current = state(gate, at)
    before = at < gate.opens_at
    waiting = current.early if before else current.waiting
    return Overview(
        gate=gate,
        active=len(occupied(gate)),
        waiting=waiting,
        early=current.early,
        before_opening=before,
        wait_seconds=estimated_wait(gate, waiting, current.rate) if waiting else None,
    )


def reset(gate_pk: int, capacity: int) -> None:
    """Forget the live state of a gate (places and queue), e.g. after a test run."""
    names = [*STATE_KEYS, "sample", "advance", "boost", "batch_base"]
    cache().delete_many(
        [f"wr:{gate_pk}:{name}" for name in names] + [f"wr:{gate_pk}:slot:{i}" for i in range(capacity)]
    )
