#!/bin/bash
# Stage 2 of the Drillbook sandbox image, run as root inside the stage-1
# image with this build context beside it (see context.ts): lays the file
# system out as the bwrap driver shows it (src/sandbox/bwrap/argv.ts), puts
# Drillbook's helpers at /opt/drillbook and its /etc files over Debian's, and
# makes the server data templates as the learner (uid 1000). Used by both
# builds: `./drillbook sandbox image` and the Dockerfile beside this file.
set -euo pipefail
ctx="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export LC_ALL=C.UTF-8

# Drillbook's helpers (init, confine and its seccomp filter, the shims), owned by root.
rm -rf /opt/drillbook
cp -a "$ctx/opt/drillbook" /opt/drillbook
chown -R root:root /opt/drillbook
chmod -R a+rX,go-w /opt/drillbook

# /etc as the bwrap driver's private copy has it (bwrap/files.ts privateEtc):
# only world-readable files, none of the left-out ones, then Drillbook's own on top.
# (/etc/hostname, hosts and resolv.conf are the container runtime's: mounted over while building, and at run time.)
while IFS= read -r f; do
  [ -n "$f" ] && ! mountpoint -q "/etc/$f" && rm -rf "/etc/$f"
done <"$ctx/etc-left-out"
find /etc -mindepth 1 \( \( -type f ! -perm -o=r \) -o \( -type d ! -perm -o=rx \) \) -prune -exec rm -rf {} +
cp -a "$ctx/etc/." /etc/
chown -R root:root /etc 2>/dev/null || true

# Courses name other PostgreSQL versions' programs: their paths lead to 15's.
for v in $(cat "$ctx/other-pg-versions"); do ln -sfn 15 "/usr/lib/postgresql/$v"; done
# /usr/local holds only links into /var/local, so a learner's scripts count against the disk limit.
rm -rf /usr/local
mkdir -m 755 /usr/local
for d in $(cat "$ctx/usr-local-dirs"); do ln -s "/var/local/$d" "/usr/local/$d"; done
# The home directory lives in /var (the disk limit); nothing of root's is shown.
rm -rf /home /root
ln -s /var/home /home
# Where courses keep backups: empty mount points, bound to their folders in /var once a sandbox runs.
for d in $(cat "$ctx/backup-roots"); do
  rm -rf "$d"
  mkdir -m 755 "$d"
done

# Server data templates, made as the learner in a /var of their own (a tmpfs in
# the local build, the image's /var in the Dockerfile), then kept read-only at
# /opt/templates/var, where each sandbox's init copies them from.
# (make-templates removes /var/run, bwrap's link; in the Dockerfile build it is the image's, root's.)
rm -f /var/run
install -d -o 1000 -g 1000 /var/lib/postgresql /var/log/postgresql /var/lib/mysql /var/lib/mysql-conf /var/log/mysql /var/home /run/postgresql /run/mysqld
env -i PATH=/opt/drillbook/bin:/usr/lib/postgresql/15/bin:/usr/bin:/usr/sbin:/bin:/sbin HOME=/home/learner USER=learner \
  LANG=C.UTF-8 PGUSER=postgres PGDATA=/var/lib/postgresql/15/main \
  setpriv --reuid=1000 --regid=1000 --clear-groups /opt/drillbook/libexec/make-templates
rm -rf /opt/templates
mkdir -p /opt/templates/var/lib /opt/templates/var/log
for p in lib/postgresql log/postgresql lib/mysql lib/mysql-conf log/mysql home; do cp -a "/var/$p" "/opt/templates/var/$p"; done
chown -R root:root /opt/templates
chmod -R a+rX,go-w /opt/templates
rm -rf /var/lib/postgresql /var/log/postgresql /var/lib/mysql /var/lib/mysql-conf /var/log/mysql /var/home /run/postgresql /run/mysqld
ln -sfn /run /var/run
rm -rf "$ctx"
