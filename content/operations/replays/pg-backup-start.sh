#!/usr/bin/env bash
# Replay for operations/snapshots-and-offsite.md (./drillbook record, see docs/authoring.md#terminal).
#% title: Bracket a copy with pg_backup_start and pg_backup_stop
#% scenario: PostgreSQL 15 in a Drillbook sandbox. The copy is made with tar, standing in for a volume snapshot, while
#%   the server keeps running; then the copy is started as a second server to prove it restores.

#> A small `shop` database with 40,000 orders to back up. Run these steps in your sandbox in order: they work there as
#> shown.
createdb shop && psql -d shop -qc "CREATE TABLE orders AS SELECT g AS id, timestamp '2026-11-30 09:00' + g * interval '1 second' AS placed_at, (g % 500) + 0.99 AS total FROM generate_series(1, 40000) g"

#> One `psql` session does the whole backup. `pg_backup_start` forces a checkpoint (`fast => true` asks for it at once)
#> and returns the LSN where replay will have to begin. `\!` runs `tar` while the session stays connected; in
#> production the snapshot command goes here. `pg_backup_stop` returns the backup label, which `\o` writes to a file.
psql -Xq -d shop <<'SQL'
SELECT pg_backup_start('before-snapshot', fast => true);
\! tar -cf /srv/backups/pgdata.tar -C /var/lib/postgresql/15 --exclude=main/postmaster.pid --exclude='main/pg_wal/*' main
\pset tuples_only on
\pset format unaligned
\o /srv/backups/backup_label
SELECT labelfile FROM pg_backup_stop(wait_for_archive => false);
SQL

#> The label names the WAL position and checkpoint the copy starts from. Without it, a server started on the copy would
#> trust the checkpoint in `pg_control`, which may be newer than some of the copied files.
cat /srv/backups/backup_label

#> A restore test: unpack the copy into a new, empty data directory (mode 700, as PostgreSQL requires). `pg_wal` is
#> there but empty, because the copy excluded its contents. (The sandbox keeps `postgresql.conf` in the data
#> directory; on Debian it is in `/etc/postgresql/15/main` and is not part of this copy.)
mkdir -m 700 /var/lib/postgresql/15/snap && tar -xf /srv/backups/pgdata.tar -C /var/lib/postgresql/15/snap --strip-components=1 && ls /var/lib/postgresql/15/snap

#> Put the label into the copy and give it the WAL written since the start. Here it comes from the live server's
#> `pg_wal`; in production from the WAL archive.
cp /srv/backups/backup_label /var/lib/postgresql/15/snap/ && cp /var/lib/postgresql/15/main/pg_wal/0* /var/lib/postgresql/15/snap/pg_wal/

#> Started on port 5433 next to the original, the copy replays WAL from the label's start position to the end position
#> that `pg_backup_stop` recorded, and only then accepts connections. On Debian, `pg_ctl` is in
#> `/usr/lib/postgresql/15/bin` and must run as the `postgres` user (it refuses root).
pg_ctl -D /var/lib/postgresql/15/snap -o '-p 5433' -l ~/snap.log -w start && grep -E 'backup recovery|consistent' ~/snap.log

#> Every order is there. The copy was taken with `tar` from a running server, but the label and the WAL turned it into
#> a consistent database.
psql -p 5433 -d shop -Atc 'SELECT count(*), max(placed_at) FROM orders'
