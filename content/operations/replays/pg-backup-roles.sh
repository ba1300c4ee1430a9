#!/usr/bin/env bash
# Replay for operations/security.md (./drillbook record, see docs/authoring.md#terminal).
#% title: PostgreSQL roles for backups, without superuser
#% scenario: PostgreSQL 15 holds `shop`, owned by the application's role `app`. Backups should not run as the superuser
#%   `postgres`: one role reads everything for pg_dump, another may only copy the cluster for pg_basebackup.
# Preparation (not shown): the application's role and data.
psql -qc "CREATE ROLE app LOGIN" -c "CREATE DATABASE shop OWNER app"
psql -q -U app -d shop -c "CREATE TABLE orders AS SELECT g AS id, (g % 90) + 0.5 AS total FROM generate_series(1, 1000) g"

#> `pg_read_all_data` (PostgreSQL 14 and later) lets a role read every table, view and sequence in every database,
#> as if it had `SELECT` on all of them, without any other privilege.
psql -qc "CREATE ROLE dumper LOGIN" -c "GRANT pg_read_all_data TO dumper"

#> pg_dump as that role works.
pg_dump -U dumper -Fc -f /srv/backups/shop.dump shop && pg_restore -l /srv/backups/shop.dump | grep 'TABLE DATA'

#> Writing does not.
psql -U dumper -d shop -c 'DELETE FROM orders'

#> A base backup uses the replication protocol, which `pg_read_all_data` does not open.
pg_basebackup -U dumper -D /srv/backups/base -c fast

#> A separate role with the `REPLICATION` attribute (and a `replication` line in `pg_hba.conf`) may stream the whole
#> cluster, and nothing else: it cannot even read a table through SQL. (It can read every row in the files it
#> copies, of course: a replication role is as sensitive as a superuser's password. Protect it accordingly.)
psql -qc "CREATE ROLE basebackup LOGIN REPLICATION" && pg_basebackup -U basebackup -D /srv/backups/base -c fast && pg_verifybackup /srv/backups/base && psql -U basebackup -d shop -c 'SELECT count(*) FROM orders'
