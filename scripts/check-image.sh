#!/usr/bin/env bash
# Proves, without a Docker engine, what the Dockerfile's image relies on:
#  1. the binary built as the Dockerfile builds it is static: no program
#     interpreter, no shared libraries;
#  2. it runs with nothing else on the file system (no libc, no zoneinfo,
#     no /etc/passwd), as the unprivileged user 65532, with the root
#     read-only and only /data writable, and it finds time zones (embedded).
# Step 2 needs root and mount namespaces; without them it says SKIPPED.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root
data=$work/data
mkdir -p "$root/usr/local/bin" "$root/etc/feedwatch" "$root/data" "$data"

CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$root/usr/local/bin/feedwatch" ./cmd/feedwatch
bin=$root/usr/local/bin/feedwatch
if readelf -l "$bin" | grep -q 'INTERP'; then
  echo "FAIL: the binary asks for a program interpreter (dynamically linked)"; exit 1
fi
if readelf -d "$bin" 2>/dev/null | grep -q 'NEEDED'; then
  echo "FAIL: the binary needs shared libraries"; exit 1
fi
echo "ok: static binary ($(du -h "$bin" | cut -f1))"

if [ "$(id -u)" != 0 ] || ! unshare -m true 2>/dev/null; then
  echo "SKIPPED: running in a read-only root needs root and mount namespaces"
  exit 0
fi

cp -r rules "$root/etc/feedwatch/rules"
cp demo/demo-feed.xml "$root/etc/feedwatch/"
cat > "$root/etc/feedwatch/config.yaml" <<'EOF'
timezone: Asia/Baghdad
schedule: "CRON_TZ=Europe/Paris 0 8 * * *"
backfill: 36500d
max_age: 36500d
storage:
  path: /data/feedwatch.db
server:
  listen: ""
feeds:
  - name: Demo wire
    url: file:demo-feed.xml
EOF
chown 65532:65532 "$data"
chmod 0700 "$data"

in_image() {
  unshare -m sh -c "
    mount --bind '$root' '$root' &&
    mount -o remount,bind,ro '$root' &&
    mount --bind '$data' '$root/data' &&
    chroot --userspec=65532:65532 '$root' /usr/local/bin/feedwatch $*"
}

in_image check --config /etc/feedwatch/config.yaml
in_image once --config /etc/feedwatch/config.yaml > "$work/first" 2> "$work/log"
if ! grep -q 'Abu Khadija' "$work/first"; then
  echo "FAIL: no alert from the read-only image:"; cat "$work/first" "$work/log"; exit 1
fi
in_image once --config /etc/feedwatch/config.yaml > "$work/second" 2>> "$work/log"
if [ -s "$work/second" ]; then
  echo "FAIL: the second run alerted again: state was not kept in /data"; cat "$work/second"; exit 1
fi
mode=$(stat -c '%a %u' "$data/feedwatch.db")
if [ "$mode" != "600 65532" ]; then
  echo "FAIL: database mode and owner are '$mode', want '600 65532'"; exit 1
fi
echo "ok: runs as 65532 in a read-only root with only /data writable; database $mode"
