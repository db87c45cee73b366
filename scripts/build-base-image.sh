#!/usr/bin/env bash
# Builds a local JRE base image from Debian packages, for machines that reach no image registry:
# a minimal Debian bookworm (debootstrap) with openjdk-17-jre-headless, imported into podman.
# Usage: scripts/build-base-image.sh [image-name]   (default: localhost/dump-forwarder-jre:17-bookworm)
set -euo pipefail

image=${1:-localhost/dump-forwarder-jre:17-bookworm}
if podman image exists "$image"; then
  echo "base image $image already present"
  exit 0
fi

# The same Debian mirror as this machine's apt sources.
sources=/etc/apt/sources.list.d/debian.sources
mirror=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' "$sources")

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
debootstrap --variant=minbase bookworm "$root" "$mirror"
cp "$sources" "$root/etc/apt/sources.list.d/debian.sources"
rm -f "$root/etc/apt/sources.list"
chroot "$root" apt-get update -qq
# The JRE's post-install scripts expect /proc.
mount -t proc proc "$root/proc"
chroot "$root" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless ca-certificates-java
umount "$root/proc"
chroot "$root" apt-get clean
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/usr/share/doc/* "$root"/usr/share/man/*
tar -C "$root" -c . | podman import --change 'ENV LANG=C.UTF-8' - "$image"
podman image ls "$image"
