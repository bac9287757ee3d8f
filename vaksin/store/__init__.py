"""The one door to Redis, the system of record for slots and bookings until they are exported.

Everything that touches Redis goes through this package, split by concern:

- `connection`: the lazy client, the one exception type (StoreError) and the Lua scripts;
- `keys`: every key name (nothing else builds key strings);
- `slots`: centres, capacities and booked counts;
- `bookings`: the booking and cancelling scripts, and reading the booking log;
- `lookup`: a person looking up their own booking;
- `outbox`: the relay's view of the booking log, and confirmations' claims and send records;
- `cache`: the shared copy behind the availability micro-cache.

Each script's reply is parsed here into a typed result; no caller reads a Lua reply by
position. The layout is written down in docs/redis.md.
"""

from vaksin.store.connection import StoreError, client, ping

__all__ = ["StoreError", "client", "ping"]
