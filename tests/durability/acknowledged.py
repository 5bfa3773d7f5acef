"""What a create's answer means for the ledger: the id it acknowledged, or the doubt it left."""

from collections.abc import Callable


def creation(
    body: dict,
    what: str,
    id_name: str,
    acked: dict[str, dict],
    made: list[str],
    doubtful: dict[str, dict],
    doubt_key: str,
) -> tuple[Callable, Callable]:
    """on_reply and on_doubt of one create (traffic.Load's operations).

    A 200 with a new id records it with its body in `acked` and `made`; no
    answer files the body in `doubtful` under a key the body itself carries,
    so the audit can tell a create that landed anyway from a phantom.
    """

    def on_reply(reply):
        if reply.status != 200:
            return f"{what} not acknowledged"
        made_id = reply.json().get(id_name)
        if not isinstance(made_id, str) or made_id in acked:
            return f"bad or repeated {id_name}"
        acked[made_id] = body
        made.append(made_id)
        return None

    def on_doubt():
        doubtful[doubt_key] = body

    return on_reply, on_doubt


def reading(what: str, found_id: str, body: dict, same: Callable) -> Callable:
    """on_reply of a read of something acknowledged: 200, and exactly what was sent."""

    def on_reply(reply):
        if reply.status != 200:
            return f"acknowledged {what} not readable"
        if not same(reply.json(), found_id, body):
            return f"{what} read back differs from what was sent"
        return None

    return on_reply
