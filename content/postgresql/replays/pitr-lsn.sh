#!/usr/bin/env bash
# Replay for postgresql/pitr.md (./drillbook record, see docs/authoring.md#terminal).
#% title: Find the DROP in the WAL and stop just before its first record
#% scenario: The same situation as before: a base backup, the WAL archive, and a `DROP TABLE orders` somewhere in
#%   segment `000000010000000000000003`. This time you locate the transaction with `pg_waldump` and recover to the
#%   LSN just before it, so that nothing of it is replayed.
# Preparation (not shown): as in the previous session.
mkdir /srv/wal-archive
psql -qc "ALTER SYSTEM SET archive_mode = on" -c "ALTER SYSTEM SET archive_command = 'test ! -f /srv/wal-archive/%f && cp %p /srv/wal-archive/%f'"
systemctl restart postgresql > /dev/null
createdb shop
psql -d shop -qc "CREATE TABLE orders AS SELECT g AS id, (g % 90) + 0.5 AS total FROM generate_series(1, 10000) g; CREATE TABLE visits (id int)"
pg_basebackup -D /srv/backups/base -X stream -c fast
psql -d shop -qc "INSERT INTO orders SELECT g, 1 FROM generate_series(10001, 10500) g"
psql -d shop -qc 'DROP TABLE orders'
psql -d shop -qc 'INSERT INTO visits VALUES (1)'
psql -Atc 'SELECT pg_switch_wal()' > /dev/null
sleep 1

#> A commit record lists the files the transaction removes (`rels:`): a DROP or TRUNCATE shows up there. `tx:` is
#> its transaction id.
pg_waldump -p /srv/wal-archive 000000010000000000000003 2>/dev/null | grep 'COMMIT.*rels:' | grep -oE 'tx: +[0-9]+|COMMIT [^;]*|rels: [^;]*'

#> Every record of that transaction (`-x`). The first is the lock on the table, the record the paused recovery in
#> the previous session replayed.
pg_waldump -p /srv/wal-archive -x 727 000000010000000000000003 2>/dev/null | head -n 3 | grep -oE 'lsn: [0-9A-F/]+|desc: .*'

#> Recover to that LSN, not including it (`recovery_target_inclusive = off`): the transaction never starts.
lsn=$(pg_waldump -p /srv/wal-archive -x 727 000000010000000000000003 2>/dev/null | head -n 1 | grep -oE 'lsn: [0-9A-F/]+' | cut -c 6-); cp -a /srv/backups/base /var/lib/postgresql/15/pitr && touch /var/lib/postgresql/15/pitr/recovery.signal && printf "%s\n" "port = 5433" "archive_mode = off" "restore_command = 'cp /srv/wal-archive/%f %p'" "recovery_target_lsn = '$lsn'" "recovery_target_inclusive = off" "recovery_target_action = 'pause'" >> /var/lib/postgresql/15/pitr/postgresql.auto.conf

#> Start it, paused at the target.
pg_ctl -D /var/lib/postgresql/15/pitr -l ~/pitr.log -w start

#> Still in recovery, and this time the table is readable while paused: you can dump it, compare it, or decide to
#> promote.
psql -p 5433 -d shop -Atc 'SELECT pg_is_in_recovery(), count(*) FROM orders'
