#!/usr/bin/env bash
# Replay for postgresql/pitr.md (./drillbook record, see docs/authoring.md#terminal).
#% title: Paused just before a DROP TABLE, and locked out of the table
#% scenario: PostgreSQL 15 archives its WAL; `/srv/backups/base` is a base backup. Someone ran `DROP TABLE orders`. The
#%   last time the table was certainly fine is in `~/before-drop.txt`. You recover to that time and pause to look.
#% mask: transaction (\d+)
# Preparation (not shown): archiving, data, the base backup, the note of the time, the DROP, and later work.
mkdir /srv/wal-archive
psql -qc "ALTER SYSTEM SET archive_mode = on" -c "ALTER SYSTEM SET archive_command = 'test ! -f /srv/wal-archive/%f && cp %p /srv/wal-archive/%f'"
systemctl restart postgresql > /dev/null
createdb shop
psql -d shop -qc "CREATE TABLE orders AS SELECT g AS id, (g % 90) + 0.5 AS total FROM generate_series(1, 10000) g; CREATE TABLE visits (id int)"
pg_basebackup -D /srv/backups/base -X stream -c fast
psql -d shop -qc "INSERT INTO orders SELECT g, 1 FROM generate_series(10001, 10500) g"
psql -Atc 'SELECT now()' > ~/before-drop.txt
sleep 1
psql -d shop -qc 'DROP TABLE orders'
sleep 1
psql -d shop -qc 'INSERT INTO visits VALUES (1)'
psql -Atc 'SELECT pg_switch_wal()' > /dev/null
sleep 1

#> Restore a copy of the base backup, with a time target this time, and `pause` to check before going on.
cp -a /srv/backups/base /var/lib/postgresql/15/pitr && touch /var/lib/postgresql/15/pitr/recovery.signal && printf "%s\n" "port = 5433" "archive_mode = off" "restore_command = 'cp /srv/wal-archive/%f %p'" "recovery_target_time = '$(cat ~/before-drop.txt)'" "recovery_target_action = 'pause'" >> /var/lib/postgresql/15/pitr/postgresql.auto.conf

#> Start it and let it replay to the target.
pg_ctl -D /var/lib/postgresql/15/pitr -l ~/pitr.log -w start

#> Recovery stopped before the commit of the transaction that dropped the table, as asked.
grep 'recovery stopping' ~/pitr.log | sed 's/.*LOG: *//'

#> Yet the table cannot be read. Without a lock timeout this query would simply hang.
psql -p 5433 -d shop -c "SET lock_timeout = '3s'" -c 'SELECT count(*) FROM orders'

#> The reason: a DROP takes an `ACCESS EXCLUSIVE` lock, and that lock is written to the WAL before the commit, so that
#> standbys can take it too. Recovery replayed the lock, then paused before the commit, and the startup process holds
#> the lock for as long as the pause lasts.
psql -p 5433 -d shop -c "SELECT l.mode, l.granted, a.backend_type FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE l.relation = 'orders'::regclass"

#> Ending recovery here releases it: the server is promoted, the unfinished DROP is rolled back with everything else
#> that had not committed, and the table is there, with all its rows.
psql -p 5433 -Atc 'SELECT pg_wal_replay_resume()' > /dev/null && until [ "$(psql -p 5433 -Atc 'SELECT pg_is_in_recovery()')" = f ]; do sleep 0.2; done; psql -p 5433 -d shop -Atc 'SELECT count(*) FROM orders'
