"""The one door to Redis, the system of record for slots and bookings until they are exported.

Everything that touches Redis goes through this package: `connection` (the lazy client, the
one exception type, StoreError, and the Lua scripts, lua/<feature>/), `keys` (every key
name), `entries` (the booking log's entries and the scripts' outcomes, as types), and a module
per feature that owns data here (slots, bookings, lookup, phones, queue for the waiting room,
waitlist, outbox for confirmations, purged, metrics, switches, cache). Each script's arguments
are built by one typed object and its reply parsed into one; docs/redis.md has the keys.
"""

from vaksin.store.connection import StoreError, client, ping

__all__ = ["StoreError", "client", "ping"]
