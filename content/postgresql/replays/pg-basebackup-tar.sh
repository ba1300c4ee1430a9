#!/usr/bin/env bash
# Replay for postgresql/pg-basebackup.md (./drillbook record, see docs/authoring.md#terminal).
#% title: A compressed tar-format base backup with a tablespace, restored
#% scenario: PostgreSQL 15 holds `shop`; its `old_orders` table lives in a second tablespace, `archive`, in
#%   `/var/lib/postgresql/ts_archive`. You take a gzip-compressed tar-format backup, then restore it as a second
#%   server on port 5433 with the tablespace in a new place.
#% mask: ^total (\d+)$
# Preparation (not shown): the data and the tablespace.
createdb shop
psql -d shop -qc "CREATE TABLE orders AS SELECT g AS id, (g % 90) + 0.5 AS total FROM generate_series(1, 100000) g"
mkdir -p /var/lib/postgresql/ts_archive
psql -qc "CREATE TABLESPACE archive LOCATION '/var/lib/postgresql/ts_archive'"
psql -d shop -qc "CREATE TABLE old_orders TABLESPACE archive AS SELECT * FROM orders WHERE id < 50000"

#> `-Ft` writes tar files instead of a data directory, `-z` compresses them with gzip. One tar per tablespace: the
#> main data directory (`base`), the tablespace (named by its OID, 16390), the WAL streamed during the backup
#> (`pg_wal`), and the manifest.
pg_basebackup -D /srv/backups/base-tar -Ft -z -X stream -c fast && ls -l /srv/backups/base-tar

#> PostgreSQL 15's `pg_verifybackup` checks plain-format backups only: it takes the tar files for strays and misses
#> every file inside them. (Version 18 reads tar backups.) To verify a tar backup here, unpack it first.
pg_verifybackup /srv/backups/base-tar 2>&1 | grep 'on disk but not' | sort

#> Restore: a new, empty data directory (mode 700); unpack `base` into it and `pg_wal` into its `pg_wal`.
#> `tablespace_map` says where each tablespace lived.
mkdir -m 700 /var/lib/postgresql/15/restored && tar -xzf /srv/backups/base-tar/base.tar.gz -C /var/lib/postgresql/15/restored && tar -xzf /srv/backups/base-tar/pg_wal.tar.gz -C /var/lib/postgresql/15/restored/pg_wal && cat /var/lib/postgresql/15/restored/tablespace_map

#> The original location is in use by the running server, so unpack the tablespace somewhere new and point the map
#> there. At start PostgreSQL creates the link in `pg_tblspc` from the map.
mkdir -m 700 /var/lib/postgresql/ts_restored && tar -xzf /srv/backups/base-tar/16390.tar.gz -C /var/lib/postgresql/ts_restored && sed -i 's#/ts_archive$#/ts_restored#' /var/lib/postgresql/15/restored/tablespace_map

#> Start it beside the original.
pg_ctl -D /var/lib/postgresql/15/restored -o '-p 5433' -l ~/restored.log -w start

#> The table in the second tablespace is there, read from its new location.
psql -p 5433 -d shop -Atc 'SELECT count(*) FROM old_orders' -c "SELECT pg_tablespace_location(oid) FROM pg_tablespace WHERE spcname = 'archive'"
