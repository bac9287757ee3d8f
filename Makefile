# Vaksin: `make run` to try it, `make test` for everything CI checks. Both set up a fresh
# Debian/Ubuntu machine first (scripts/bootstrap.sh) and start a private Redis and PostgreSQL
# under ./var/ (scripts/services.sh). PORT, REDIS_PORT and PG_PORT are honoured.

# `make stop` and `make status` act on the ports the last `make run` used (scripts/run.sh writes
# them to var/run/make-run.mk), unless given ports of their own.
ifneq ($(filter stop status,$(MAKECMDGOALS)),)
-include var/run/make-run.mk
endif
PORT ?= 8000
REDIS_PORT ?= 6391
PG_PORT ?= 5441
export PORT REDIS_PORT PG_PORT

VENV := .venv/bin
# What the tests run against: Redis db 1, so a `make run` beside them keeps its data in db 0.
TEST_ENV := VAKSIN_LOCAL_ENV= REDIS_URL=$$(scripts/services.sh redis-url 1) \
	DATABASE_URL=$$(scripts/services.sh database-url) \
	DJANGO_SECRET_KEY=test-only-not-secret PERSON_KEY_SECRET=test-only-person-key \
	REFERENCE_SECRET=test-only-reference-key DJANGO_DEBUG=0
PYTEST_ARGS ?=

BENCH_ARGS ?=

.PHONY: run run-ha test test-fast test-image image lock bench lint manage services stop status \
	clean bootstrap bootstrap-dev messages staff

# Set up, start the services, migrate, seed demo slots and run web + worker until Ctrl-C.
run: bootstrap
	scripts/services.sh start
	scripts/run.sh

# The same on real engines with no single point of failure (deploy/ha.py, docs/deploy.md): a Redis
# primary, two replicas and three Sentinels, two gunicorn web nodes behind nginx (the load
# balancer and edge, at $(PORT)), the relay and the workers, all under var/ha. Ctrl-C stops it.
run-ha: bootstrap-dev
	scripts/run-ha.sh

# Lint, type-check, then the whole test suite (browser tests included) against real services.
# Stops the services afterwards only if they were not already running (e.g. beside `make run`).
test: lint
	@if scripts/services.sh status >/dev/null; then started=0; else started=1; fi; \
	scripts/services.sh start || exit $$?; \
	$(TEST_ENV) $(VENV)/python manage.py collectstatic --noinput -v 0 && \
	$(TEST_ENV) $(VENV)/pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$started = 1 ]; then scripts/services.sh stop; fi; \
	exit $$rc

# The quick tier while working (about a minute on 2 cores): the unit and single-process tests,
# without lint (`make lint`) and without the tests marked browser, e2e or slow (Chromium, real
# gunicorn and worker processes, more than a few seconds: pyproject.toml). The same services,
# environment and stop rule as `make test`; `make test` still runs everything.
FAST_TESTS := not browser and not e2e and not slow
test-fast: bootstrap-dev
	@if scripts/services.sh status >/dev/null; then started=0; else started=1; fi; \
	scripts/services.sh start || exit $$?; \
	$(TEST_ENV) $(VENV)/python manage.py collectstatic --noinput -v 0 && \
	$(TEST_ENV) $(VENV)/pytest -m "$(FAST_TESTS)" $(PYTEST_ARGS); rc=$$?; \
	if [ $$started = 1 ]; then scripts/services.sh stop; fi; \
	exit $$rc

# The image of every process (Containerfile; docs/deploy.md, "The image"), with buildah, podman
# or docker, whichever works here. scripts/image-base.sh installs buildah from Debian when none
# does and makes the base image locally when the builder lacks it (no Docker Hub needed).
# Tagged vaksin:<commit> (with -dirty while the work tree has changes) and vaksin:latest;
# --layers reuses the installed packages while requirements.lock is unchanged.
# buildah and podman: no daemon and no container runtime (chroot isolation), never a pull (the
# base is local), HEALTHCHECK kept (the docker format; OCI's drops it), no container left behind.
# The build's pip trusts this machine's certificates (a build secret, in no layer).
IMAGE_NAME ?= vaksin
IMAGE_CA_BUNDLE ?= /etc/ssl/certs/ca-certificates.crt
IMAGE_BUILD_OPTIONS := --isolation chroot --pull=never --layers --force-rm --format docker
image:
	scripts/image-base.sh
	@tag=$$(git rev-parse --short HEAD)$$(test -z "$$(git status --porcelain)" || echo -dirty); \
	builder=$$(scripts/image-base.sh builder); \
	case $$builder in \
	  buildah) build="buildah bud $(IMAGE_BUILD_OPTIONS)" ;; \
	  podman) build="podman build $(IMAGE_BUILD_OPTIONS)" ;; \
	  *) build="docker build" ;; \
	esac; \
	secret=; [ ! -s "$(IMAGE_CA_BUNDLE)" ] \
	  || secret="--secret id=ca-certificates,src=$(IMAGE_CA_BUNDLE)"; \
	echo "image: $$build -t $(IMAGE_NAME):$$tag"; \
	$$build $$secret --build-arg REVISION=$$tag -f Containerfile \
	  -t $(IMAGE_NAME):$$tag -t $(IMAGE_NAME):latest . \
	&& $$builder images $(IMAGE_NAME):$$tag

# The image's tests alone (tests/image/): `make image`, then the web and the workers run from
# the image's files against the test services, booking through them; and the deployment files.
# `make test` runs them too, as root (VAKSIN_IMAGE_TESTS=0 skips the image there; docs/deploy.md
# says how long it takes).
test-image: bootstrap-dev
	@if scripts/services.sh status >/dev/null; then started=0; else started=1; fi; \
	scripts/services.sh start || exit $$?; \
	$(TEST_ENV) $(VENV)/pytest tests/image $(PYTEST_ARGS); rc=$$?; \
	if [ $$started = 1 ]; then scripts/services.sh stop; fi; \
	exit $$rc

# Rewrite the locks from their inputs after editing a requirements*.txt: requirements.lock (the
# application), requirements-run.lock (what make run adds: honcho) and requirements-dev.lock
# (everything, the runtime packages at the runtime lock's versions), each package pinned with
# its hashes, for Python 3.11 on Linux x86_64 (.venv's). Pins that still fit are kept;
# LOCK_ARGS=--upgrade moves all to the newest that fit, LOCK_ARGS="--upgrade-package NAME" one.
LOCK_ARGS ?=
PIP_COMPILE := CUSTOM_COMPILE_COMMAND="make lock" $(VENV)/pip-compile --quiet --generate-hashes \
	--allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links $(LOCK_ARGS)
lock: bootstrap-dev
	$(PIP_COMPILE) -o requirements.lock requirements.txt
	$(PIP_COMPILE) -o requirements-run.lock requirements-run.txt
	$(PIP_COMPILE) -o requirements-dev.lock requirements-dev.txt

# The noon rush on loopback, every figure beside its rival from the same run (bench/run.py):
# prints a table and rewrites BENCHMARKS.md. BENCH_ARGS="--seconds 5 --skip-replay" is quicker.
bench: bootstrap-dev
	@if scripts/services.sh status >/dev/null; then started=0; else started=1; fi; \
	scripts/services.sh start || exit $$?; \
	$(VENV)/python -m bench.run $(BENCH_ARGS); rc=$$?; \
	if [ $$started = 1 ]; then scripts/services.sh stop; fi; \
	exit $$rc

# ruff (lint and format), mypy and import-linter; the django-stubs plugin imports the settings,
# hence TEST_ENV. Then the Kubernetes manifests, offline and strictly (no unknown field),
# against the schemas of the version docs/deploy.md names; kustomization.yaml is kustomize's
# own and tests/image/test_deploy_files.py checks it, compose.yaml and the systemd units.
KUBERNETES_VERSION ?= 1.34.0
lint: bootstrap-dev
	$(VENV)/ruff check .
	$(VENV)/ruff format --check .
	$(TEST_ENV) $(VENV)/mypy .
	$(TEST_ENV) $(VENV)/lint-imports
	$(VENV)/kubernetes-validate --strict --quiet -k $(KUBERNETES_VERSION) \
		$$(ls deploy/kubernetes/*.yaml | grep -v /kustomization.yaml)

# Start the private Redis and PostgreSQL (a no-op when they already run).
services:
	scripts/services.sh start

# Translations: refresh locale/*/django.po from the code and templates, then compile the .mo
# files that are committed. Only the project's own files: never .venv, node_modules or var.
MESSAGE_IGNORES := --ignore=.venv --ignore=node_modules --ignore=var --ignore=staticfiles \
	--ignore=tests --ignore=bench
messages: bootstrap-dev
	$(TEST_ENV) $(VENV)/python manage.py makemessages -l ms -l zh_Hans -l ta --no-obsolete \
		$(MESSAGE_IGNORES)
	$(TEST_ENV) $(VENV)/python manage.py compilemessages -l ms -l zh_Hans -l ta $(MESSAGE_IGNORES)

# Stop the private Redis and PostgreSQL.
stop:
	@if [ -d var/ha/pids ] && [ -x $(VENV)/python ]; then $(VENV)/python -m deploy.ha --stop; fi
	scripts/services.sh stop

# Show whether the private Redis and PostgreSQL are running: exit status 0 when both run or
# neither does (nothing to worry about), 3 when only one of them runs.
status:
	@out=$$(scripts/services.sh status); rc=$$?; echo "$$out"; \
	if [ $$rc = 3 ] && ! echo "$$out" | grep -q ': running'; then \
	  echo "Nothing is running (Redis port $(REDIS_PORT), PostgreSQL port $(PG_PORT)): make run starts it."; \
	  exit 0; \
	fi; \
	exit $$rc

# A member of staff who can log in to /admin/, beside `make run`: asks for a username (or
# ARGS=USERNAME) and a password that passes every password rule (no bypass, unlike
# createsuperuser), then enrols their authenticator app and prints its QR code and otpauth:// URI.
staff:
	$(VENV)/python manage.py create_staff $(ARGS)

# Any manage.py command beside `make run` (it reads var/local.env): make manage ARGS="export_bookings"
manage:
	$(VENV)/python manage.py $(ARGS)

# Stop the services and delete their data (var/).
clean:
	scripts/services.sh clean

# System packages and .venv from requirements.lock and requirements-run.lock (honcho).
bootstrap:
	scripts/bootstrap.sh

# The same plus test and bench tools: requirements-dev.lock, Chromium, nginx, wrk, node_modules.
bootstrap-dev:
	scripts/bootstrap.sh --dev
