#!/usr/bin/env bash
# Replay for operations/verification.md (./drillbook record, see docs/authoring.md#terminal).
#% title: A corrupted page, and what notices it
#% scenario: PostgreSQL 15. A copy of the cluster (from pg_basebackup) lives in `/var/lib/postgresql/15/copy`, stopped.
#%   One block of the `orders` table file gets nine bytes of garbage, the way a failing disk or a firmware bug could
#%   write them. Which tools notice?
#% mask: (?:checksum|calculated) ([0-9A-F]+) but (?:block contains|expected) ([0-9A-F]+)
#% mask: (?:Files|Blocks) scanned: +(\d+)
# Preparation (not shown): the data, the copy (started once and cleanly stopped), and amcheck in it.
createdb shop
psql -d shop -qc "CREATE TABLE orders AS SELECT g AS id, (g % 90) + 0.5 AS total, repeat('x', 50) AS note FROM generate_series(1, 20000) g"
psql -d shop -qc "CREATE EXTENSION amcheck"
pg_basebackup -D /var/lib/postgresql/15/copy -X stream -c fast
pg_ctl -D /var/lib/postgresql/15/copy -o '-p 5433' -l ~/copy.log -w start > /dev/null
pg_ctl -D /var/lib/postgresql/15/copy -m fast -w stop > /dev/null

#> Data checksums are off here, as in every cluster made by Debian's `pg_createcluster` or a plain `initdb` before
#> PostgreSQL 18. Without them PostgreSQL cannot tell a damaged page from a good one.
psql -Atc 'SHOW data_checksums'

#> `pg_checksums --enable` adds them to a cluster that is cleanly shut down (a fresh base backup that was never
#> started does not count). It rewrites every block, so on a large cluster plan the downtime, or enable them on a
#> standby first.
pg_checksums -D /var/lib/postgresql/15/copy --enable | tail -n 1

#> The damage: nine bytes written into block 3 of the table's file.
printf 'CORRUPTED' | dd of=/var/lib/postgresql/15/copy/$(psql -d shop -Atc "SELECT pg_relation_filepath('orders')") bs=1 seek=$((8192 * 3 + 4000)) conv=notrunc status=none

#> Offline, `pg_checksums --check` reads every block and names the bad one.
pg_checksums -D /var/lib/postgresql/15/copy --check

#> Online, a query that reads the block fails instead of returning wrong data.
pg_ctl -D /var/lib/postgresql/15/copy -o '-p 5433' -l ~/copy.log -w start > /dev/null && psql -p 5433 -d shop -c 'SELECT sum(total) FROM orders'

#> `pg_amcheck` (the amcheck extension) checks tables and indexes structurally, page by page; it also finds damage
#> that checksums cannot see, such as a bug that wrote a wrong but well-checksummed page.
pg_amcheck -p 5433 -d shop

#> And a base backup of this cluster fails: with checksums on, pg_basebackup verifies every block it copies. Without
#> them it would have copied the damage silently into every backup.
pg_basebackup -p 5433 -D /srv/backups/from-copy -c fast
