"""The switches operators flip in the admin: one small hash every process reads."""

from vaksin.store import keys
from vaksin.store.connection import answering, client


def switches_read() -> dict[str, str]:
    with answering():
        return dict(client().hgetall(keys.SWITCHES))


def switch_write(name: str, value: str | None) -> None:
    """Sets a switch, or clears it (None) so that its default holds again."""
    with answering():
        if value is None:
            client().hdel(keys.SWITCHES, name)
        else:
            client().hset(keys.SWITCHES, name, value)
