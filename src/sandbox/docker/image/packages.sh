#!/bin/bash
# Stage 1 of the Drillbook sandbox image, run as root inside a Debian
# bookworm root file system (a debootstrap chroot, or a Dockerfile RUN on
# debian:bookworm-slim): Debian's own packages of the servers and the tools
# the lessons use, with nothing started and no database created. Its inputs
# are this file alone, so the image's base is rebuilt only when it changes.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8

# The servers and tools a sandbox offers (the bwrap driver gets the same from
# the host: SANDBOX_PACKAGES in src/sandbox/bwrap/driver.ts), and the shell
# tools the lessons and graders use (gawk: a lab relies on gawk's awk).
# python3-swift and awscli: the object-storage lab's S3 store (run by
# libexec/s3-server, not by a package service) and its client.
PACKAGES=(
  postgresql-15 postgresql-client-15
  mariadb-server mariadb-client mariadb-backup
  mydumper zstd procps nano htop perl pgbackrest age
  python3-swift awscli
  gawk rsync less xz-utils bzip2 file iproute2 psmisc util-linux
  coreutils diffutils findutils grep sed gzip tar ncurses-bin
)

mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
security="${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
rm -f /etc/apt/sources.list.d/debian.sources
cat >/etc/apt/sources.list <<SOURCES
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $security bookworm-security main
SOURCES

# No documentation, manuals or translations: a sandbox is used in English and
# starts faster from a smaller image.
cat >/etc/dpkg/dpkg.cfg.d/drillbook-slim <<'SLIM'
path-exclude /usr/share/doc/*
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
SLIM

# Nothing is started while installing (there is no init here), and Debian's
# postgresql-15 does not create its default cluster: each sandbox gets its
# own data, made once per image by finish.sh.
printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
chmod 755 /usr/sbin/policy-rc.d
mkdir -p /etc/postgresql-common
echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.conf

apt-get update
apt-get install -y --no-install-recommends "${PACKAGES[@]}"
apt-get clean
rm -rf /var/lib/apt/lists/* /usr/sbin/policy-rc.d
# The packages' own databases and logs: a sandbox's come from its templates.
rm -rf /var/lib/mysql /var/lib/postgresql /var/log/mysql /var/log/postgresql /var/log/*.log /var/cache/debconf/*-old
