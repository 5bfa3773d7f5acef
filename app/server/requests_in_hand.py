"""What the server running the app can tell it: how many requests it has in hand.

The group commit's leader waits for the creates its worker is preparing
(app/storage/group_commit.py). Once every request the worker holds is already
waiting in the batch, nobody else can join, and waiting on would only idle
the CPU. Only the server knows the requests it has read or is reading
(balanced_worker.py tells); under any other server, the leader goes by
the CPU alone.
"""

from collections.abc import Callable

_requests_in_hand: Callable[[], int] | None = None


def tell_requests_in_hand(count: Callable[[], int] | None) -> None:
    """Called by the server, in the process that serves: how to count its requests in hand."""
    global _requests_in_hand
    _requests_in_hand = count


def requests_in_hand() -> int | None:
    """The requests this process is serving now, parsed or not; None if its server does not tell."""
    count = _requests_in_hand
    return None if count is None else count()
