#!/usr/bin/env bash
# Replay for foundations/consistency.md (./drillbook record, see docs/authoring.md#terminal).
#% title: How a parallel pg_dump shares one snapshot
#% scenario: PostgreSQL 15 holds `shop` with two tables. The server logs every statement it receives for the length
#%   of one parallel dump, and the log shows how pg_dump keeps several connections consistent.
#% mask: SNAPSHOT '([0-9A-F-]+)'
# Preparation (not shown): the shop database.
createdb shop
psql -d shop -qc "CREATE TABLE orders AS SELECT g AS id, (g % 90) + 0.5 AS total FROM generate_series(1, 5000) g"
psql -d shop -qc "CREATE TABLE customers AS SELECT g AS id FROM generate_series(1, 100) g"

#> Log every statement (for this demonstration only: on a busy server this log grows fast).
psql -Atqc "ALTER SYSTEM SET log_statement = 'all'" -c 'SELECT pg_reload_conf()'

#> A directory-format dump with two worker connections, one table each.
pg_dump -Fd -j 2 -f /srv/backups/shop.dir shop

#> Back to normal logging.
psql -Atqc 'ALTER SYSTEM RESET log_statement' -c 'SELECT pg_reload_conf()'

#> The leader's first statements. It opens a read-only repeatable-read transaction, which gives it one snapshot for
#> its whole life, exports that snapshot, and takes an `ACCESS SHARE` lock on every table it will dump, so that no
#> one can drop or alter them until it ends.
grep -oE 'statement: (SET TRANSACTION|SELECT pg_catalog.pg_export|LOCK TABLE).*' /var/log/postgresql/postgresql-15-main.log | head -n 4

#> Each worker opens its own transaction and adopts the leader's snapshot with `SET TRANSACTION SNAPSHOT`, so two
#> connections read the database as of the same instant. It locks its table with `NOWAIT`: if someone is queued for
#> a conflicting lock, the worker fails at once instead of deadlocking with the leader.
grep -oE 'statement: (SET TRANSACTION SNAPSHOT|LOCK TABLE .*NOWAIT).*' /var/log/postgresql/postgresql-15-main.log | sort
