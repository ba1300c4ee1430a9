#!/usr/bin/env bash
# Replay for postgresql/pg-basebackup.md (./drillbook record, see docs/authoring.md#terminal).
#% title: A base backup taken from a standby
#% scenario: PostgreSQL 15 on port 5432 is the primary; a streaming standby runs on port 5433. The backup is taken
#%   from the standby, so that the primary only streams WAL to it as usual.
# Preparation (not shown): data on the primary.
createdb shop
psql -d shop -qc "CREATE TABLE orders AS SELECT g AS id, (g % 90) + 0.5 AS total FROM generate_series(1, 20000) g"

#> First the standby itself: a base backup with `-R`, which also writes the connection settings (`primary_conninfo`)
#> and a `standby.signal` file, so that the copy starts as a standby of this server.
pg_basebackup -D /var/lib/postgresql/15/standby -X stream -c fast -R && pg_ctl -D /var/lib/postgresql/15/standby -o '-p 5433' -l ~/standby.log -w start

#> The standby replays the primary's WAL and answers read-only queries.
psql -p 5433 -Atc 'SELECT pg_is_in_recovery()'

#> Back up the standby exactly as you would the primary, by pointing `pg_basebackup` at its port. A standby writes no
#> checkpoints of its own: the backup starts at a restartpoint, a place where the standby replayed one of the
#> primary's checkpoints, and the label says where it was taken.
pg_basebackup -p 5433 -D /srv/backups/from-standby -X stream && grep -E 'BACKUP FROM|START TIMELINE' /srv/backups/from-standby/backup_label

#> It is a complete backup of the cluster, like one taken on the primary.
pg_verifybackup /srv/backups/from-standby
