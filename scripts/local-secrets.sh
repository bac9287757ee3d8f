# Sourced by scripts/run.sh and scripts/run-ha.sh when no DJANGO_SECRET_KEY is set: secrets made
# up once and kept in var/secrets.env (private to this user), so that sessions and the names of
# people survive a restart, exported into the caller's environment.
secret() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
if [ ! -s var/secrets.env ]; then
  (umask 077 && printf 'DJANGO_SECRET_KEY=%s\nPERSON_KEY_SECRET=%s\n' "$(secret)" "$(secret)" \
    >var/secrets.env)
fi
# Added to secrets made before the booking references were keyed.
grep -q '^REFERENCE_SECRET=' var/secrets.env || printf 'REFERENCE_SECRET=%s\n' "$(secret)" >>var/secrets.env
set -a
# shellcheck source=/dev/null
. var/secrets.env
set +a
