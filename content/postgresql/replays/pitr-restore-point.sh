#!/usr/bin/env bash
# Replay for postgresql/pitr.md (./drillbook record, see docs/authoring.md#terminal).
#% title: Recover to a named restore point, check, then promote
#% scenario: PostgreSQL 15 archives its WAL to `/srv/wal-archive`, and `/srv/backups/base` is a base backup taken this
#%   morning. `shop.orders` has 10,500 orders. Before running a clean-up job, the DBA names the moment.
# Preparation (not shown): archiving on, the data, the base backup, more orders after it.
mkdir /srv/wal-archive
psql -qc "ALTER SYSTEM SET archive_mode = on" -c "ALTER SYSTEM SET archive_command = 'test ! -f /srv/wal-archive/%f && cp %p /srv/wal-archive/%f'"
systemctl restart postgresql > /dev/null
createdb shop
psql -d shop -qc "CREATE TABLE orders AS SELECT g AS id, (g % 90) + 0.5 AS total, 'open'::text AS status FROM generate_series(1, 10000) g"
pg_basebackup -D /srv/backups/base -X stream -c fast
psql -d shop -qc "INSERT INTO orders SELECT g, 1, 'open' FROM generate_series(10001, 10500) g"

#> A restore point is a named marker in the WAL. It costs nothing, and recovery can stop exactly there.
psql -Atc "SELECT pg_create_restore_point('before-cleanup')"

#> The clean-up job has a bug: it deletes every open order, not only the old ones.
psql -d shop -c "DELETE FROM orders WHERE status = 'open' AND id > 100"

#> Close the current WAL segment, so that the archive has everything up to now.
psql -Atc 'SELECT pg_switch_wal()'

#> Restore a copy of the base backup (never the backup itself) and mark it for recovery with `recovery.signal`.
cp -a /srv/backups/base /var/lib/postgresql/15/pitr && touch /var/lib/postgresql/15/pitr/recovery.signal

#> Recovery settings: where to fetch archived WAL, where to stop, and what to do there. `pause` keeps the server in
#> recovery, read-only, so you can look before you commit to this point. It runs on another port, with archiving off,
#> so that it cannot write into the production archive.
cat >> /var/lib/postgresql/15/pitr/postgresql.auto.conf <<'CONF'
port = 5433
archive_mode = off
restore_command = 'cp /srv/wal-archive/%f %p'
recovery_target_name = 'before-cleanup'
recovery_target_action = 'pause'
CONF

#> Start it. It replays the archived WAL from the backup's start until the restore point.
pg_ctl -D /var/lib/postgresql/15/pitr -l ~/pitr.log -w start

#> Paused at the target, with all 10,500 orders.
psql -p 5433 -d shop -Atc 'SELECT count(*) FROM orders' -c 'SELECT pg_get_wal_replay_pause_state()'

#> The log says where recovery stopped, and why.
grep -E 'starting point-in-time|recovery stopping|pausing' ~/pitr.log

#> Satisfied? `pg_wal_replay_resume()` ends recovery: the server is promoted and writes on a new timeline, 2, so its
#> future WAL can never be confused with the original's timeline 1, which went on to the DELETE.
psql -p 5433 -Atc 'SELECT pg_wal_replay_resume()' > /dev/null && until [ "$(psql -p 5433 -Atc 'SELECT pg_is_in_recovery()')" = f ]; do sleep 0.2; done; psql -p 5433 -Atc 'SELECT pg_is_in_recovery(), timeline_id FROM pg_control_checkpoint()'

#> The new timeline's history file records where it branched off: at the restore point, on timeline 1.
cat /var/lib/postgresql/15/pitr/pg_wal/00000002.history
