"""Real processes on loopback for the tests, the bench and `make run-ha`: starting, waiting for
and stopping them, the environment they get, the Procfile's processes, the nginx edge, the
high-availability stack, and the made-up people, phones and SMS logs that drive them.

One package so that each of those is written once. The product never imports it (import-linter,
pyproject.toml); it imports the product.
"""
