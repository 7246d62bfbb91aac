"""What every state machine shares: its transition table (from → the states it may go to;
anything else is refused) and the error a refused move raises. Each machine's `states.py`
declares its own table and error."""


class TransitionError(Exception):
    """A move the machine's table does not allow."""

    def __init__(self, current: str, wanted: str):
        super().__init__(f"cannot go from {current} to {wanted}")
        self.current, self.wanted = current, wanted


class Table(dict):
    """{state: {states it may go to}}, with the checks made before every move."""

    def __init__(self, moves: dict[str, set[str]], error: type[TransitionError] = TransitionError):
        super().__init__(moves)
        self.error = error

    def can_go(self, current: str, wanted: str) -> bool:
        return wanted in self.get(current, set())

    def check(self, current: str, wanted: str) -> None:
        if not self.can_go(current, wanted):
            raise self.error(current, wanted)
