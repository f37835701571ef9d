#!/bin/sh
# Installs what `npm run bench` uses on a fresh Debian/Ubuntu machine. Idempotent.
#   wrk          load generator (autocannon saturates its own core below what plain Node serves)
#   nginx-light  the sendfile/gzip_static reference for the 5 MB scenario (run as our own instance)
#   util-linux   taskset, to pin server and load generator to different cores
#   python3-django, python3-whitenoise, python3-brotli   the collectstatic comparison (Debian's
#                /usr/bin/python3; WhiteNoise writes .br only with the brotli module; skipped when unavailable)
set -eu
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

retry() {
  # another process may hold the dpkg lock for a moment
  n=0
  until "$@"; do
    n=$((n + 1))
    if [ "$n" -ge 10 ]; then return 1; fi
    echo "setup: '$*' failed, retrying in 6 s ($n/10)" >&2
    sleep 6
  done
}

need=""
for pkg in wrk nginx-light util-linux; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need="$need $pkg"
done
if [ -n "$need" ]; then
  retry $SUDO apt-get update
  retry $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $need
fi

# Optional: Django + WhiteNoise, only when the distribution ships them.
opt=""
for pkg in python3-django python3-whitenoise python3-brotli; do
  if ! dpkg -s "$pkg" >/dev/null 2>&1; then
    if apt-cache policy "$pkg" 2>/dev/null | grep -q 'Candidate: [0-9]'; then opt="$opt $pkg"; fi
  fi
done
if [ -n "$opt" ]; then
  retry $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $opt || echo "setup: could not install$opt; the collect comparison will be skipped" >&2
fi

# The system nginx service is never used by the bench; each run starts its own instance.
echo "setup: wrk $(command -v wrk), nginx $(command -v nginx || ls /usr/sbin/nginx 2>/dev/null), taskset $(command -v taskset)"
/usr/bin/python3 -c 'import django, brotli, whitenoise; print("setup: django", django.get_version(), "whitenoise", whitenoise.__version__ if hasattr(whitenoise, "__version__") else "?")' 2>/dev/null || echo "setup: django/whitenoise not available"
