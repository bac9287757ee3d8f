#!/usr/bin/env bash
# The image's builder and its base, for `make image` (the Containerfile) and the image test.
#   scripts/image-base.sh builder    prints the builder to use (buildah, podman or docker), or
#                                    exits 1 when none works here; installs nothing
#   scripts/image-base.sh            installs the tools from Debian when no builder works, then
#                                    makes the base image when the builder lacks it
#   scripts/image-base.sh --refresh  makes the base image again (newer Debian packages)
#
# The base is docker.io/library/debian:bookworm-slim, the Containerfile's FROM. Where Docker Hub
# cannot be reached it is made here from Debian's own packages, which can: mmdebstrap installs a
# minimal bookworm (minbase) without documentation, manual pages or translations, as Debian's
# slim image does, and the builder imports it under the full name, so that FROM finds it and
# the build never asks a registry (--pull=never). Debian's mirror is the only network it needs.
set -euo pipefail
cd "$(dirname "$0")/.."

BASE=docker.io/library/debian:bookworm-slim
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

say() { echo "image-base: $*" >&2; }

# A docker client without a daemon behind it (common on CI machines) is no builder; buildah
# first, as it needs neither a daemon nor a container runtime.
builder() {
  if command -v buildah >/dev/null && buildah version >/dev/null 2>&1; then
    echo buildah
  elif command -v podman >/dev/null && podman version >/dev/null 2>&1; then
    echo podman
  elif command -v docker >/dev/null && docker info >/dev/null 2>&1; then
    echo docker
  else
    return 1
  fi
}

# As scripts/bootstrap.sh installs: apt-get as root, or through sudo.
apt_install() {
  local run=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { say "run as root: apt-get install -y $*"; exit 1; }
    run=(sudo)
  fi
  command -v apt-get >/dev/null || { say "no apt-get here: install $* by hand"; exit 1; }
  say "installing system packages: $*"
  "${run[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${run[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

tools() {
  local missing=()
  # With no builder there is no base either: everything at once, one apt-get update.
  if ! builder >/dev/null; then
    missing+=(buildah podman mmdebstrap)
  else
    # podman imports the base (buildah has no import) and mounts the image for its test.
    if [ "$(builder)" != docker ] && ! command -v podman >/dev/null; then
      missing+=(podman)
    fi
    if [ "${1:-}" = base ] && ! command -v mmdebstrap >/dev/null; then
      missing+=(mmdebstrap)
    fi
  fi
  [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
}

has_base() {
  case "$(builder)" in
    docker) docker image inspect "$BASE" >/dev/null 2>&1 ;;
    *) podman image exists "$BASE" 2>/dev/null ;;
  esac
}

make_base() {
  tools base
  local dir
  dir=$(mktemp -d)
  # shellcheck disable=SC2064 # the folder is fixed now
  trap "rm -rf '$dir'" EXIT
  say "making $BASE from $MIRROR (mmdebstrap, minbase)"
  # Debian's slim image keeps the copyright files and drops the rest of /usr/share/doc, the
  # manuals and the translations; the same rules stay in the image for the packages that the
  # Containerfile installs later.
  # The merged-usr hook makes /bin a link to /usr/bin as Debian's image has it, without the
  # usrmerge package and the Perl it would bring.
  mmdebstrap --variant=minbase --quiet \
    --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/groff/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/lintian/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    bookworm "$dir/rootfs.tar" "$MIRROR" >"$dir/mmdebstrap.log" 2>&1 \
    || { cat "$dir/mmdebstrap.log" >&2; exit 1; }
  case "$(builder)" in
    docker) docker import --change 'CMD ["bash"]' "$dir/rootfs.tar" "$BASE" >/dev/null ;;
    *) podman import --quiet --change 'CMD ["bash"]' "$dir/rootfs.tar" "$BASE" >/dev/null ;;
  esac
  say "made $BASE"
}

case "${1:-}" in
  builder) builder ;;
  --refresh) tools && make_base ;;
  "")
    tools
    has_base || make_base
    ;;
  *)
    echo "usage: scripts/image-base.sh [builder|--refresh]" >&2
    exit 2
    ;;
esac
