"""Holding the cyclic garbage collector off while a request builds many short-lived objects.

Lining up two runs of 10,000 rows makes some 70,000 objects that live until
the answer is built. Allocating them sets the collector off again and
again, and each pass walks every object the worker holds: half the CPU of
such a request went to passes that freed nothing (bench/README.md). Reference
counting still frees everything the moment it is unused; only collecting
cycles waits until the last paused block in the worker ends.
"""

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_holders = 0
_was_enabled = False


@contextmanager
def paused() -> Iterator[None]:
    """No cyclic collection in this process while any thread is inside such a block."""
    global _holders, _was_enabled
    with _lock:
        if _holders == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _was_enabled:
                gc.enable()
