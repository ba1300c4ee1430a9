#!/usr/bin/env bash
# Replay for foundations/why-backups-fail.md (./drillbook record, see docs/authoring.md#terminal).
#% title: A replica copies the mistake too
#% scenario: PostgreSQL 15 on port 5432 holds `shop` with 5,000 orders. A streaming replica of it runs on port 5433,
#%   set up with `pg_basebackup -R` (the lesson on pg_basebackup shows how).
# Preparation (not shown): the data and the replica.
createdb shop
psql -d shop -qc "CREATE TABLE orders AS SELECT g AS id, (g % 90) + 0.5 AS total FROM generate_series(1, 5000) g"
pg_basebackup -D /var/lib/postgresql/15/replica -X stream -c fast -R
pg_ctl -D /var/lib/postgresql/15/replica -o '-p 5433' -l ~/replica.log -w start > /dev/null

#> The server on 5433 is in recovery: it replays, as it arrives, every change the primary writes to its WAL.
psql -p 5433 -Atc 'SELECT pg_is_in_recovery()'

#> The replica has every order. If the primary's disk died now, it could take over within seconds: that is what
#> replicas are for.
psql -p 5433 -d shop -Atc 'SELECT count(*) FROM orders'

#> Now the mistake: someone drops the table on the primary (a migration run against the wrong server, a bad
#> script, an attacker).
psql -d shop -c 'DROP TABLE orders'

#> Wait until the replica has replayed the DROP (a fraction of a second), then look: it applied it as faithfully as
#> every insert before it. Replication protects against losing a machine, not against a change you did not want.
while psql -p 5433 -d shop -Atc 'SELECT 1 FROM orders LIMIT 1' > /dev/null 2>&1; do sleep 0.2; done; psql -p 5433 -d shop -c 'SELECT count(*) FROM orders'
