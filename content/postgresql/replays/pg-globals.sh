#!/usr/bin/env bash
# Replay for postgresql/pg-dump.md (./drillbook record, see docs/authoring.md#terminal).
#% title: A database dump needs the cluster's roles
#% scenario: PostgreSQL 15. The role `app` (it logs in with a password) owns the database `shop`; the role `reporting`
#%   may read `orders`, and `app` is a member of it. You restore `shop` into a brand-new cluster on port 5433, first
#%   without the roles, then with them.
#% mask: \\(?:un)?restrict (\w+)
#% mask: SCRAM-SHA-256\$([^']+)
# Preparation (not shown): the roles, the database and its data.
psql -q <<'SQL'
CREATE ROLE app LOGIN PASSWORD 'app-secret';
CREATE ROLE reporting NOLOGIN;
GRANT reporting TO app;
CREATE DATABASE shop OWNER app;
SQL
psql -q -U app -h localhost -d shop <<'SQL'
CREATE TABLE orders (id serial PRIMARY KEY, total numeric(10,2) NOT NULL);
INSERT INTO orders (total) SELECT (g % 90) + 0.99 FROM generate_series(1, 1000) g;
GRANT SELECT ON orders TO reporting;
SQL

#> The nightly pair: the database with pg_dump, and the cluster-wide objects (roles, their passwords and memberships,
#> tablespaces) with `pg_dumpall --globals-only`, because no pg_dump ever contains them.
pg_dump -Fc -f /srv/backups/shop.dump shop && pg_dumpall --globals-only -f /srv/backups/globals.sql

#> The roles as SQL, the password as a SCRAM hash (never the password itself), and the membership. (The
#> `\restrict` lines are a safety measure of recent PostgreSQL releases: they stop psql from running backslash
#> commands hidden in object names while it loads the file.)
grep -vE '^(--|SET |$)' /srv/backups/globals.sql

#> A brand-new cluster on port 5433, as after a rebuild: only `postgres` exists. Local connections are trusted, but
#> TCP connections need a password, as on a real server.
initdb -D ~/fresh -U postgres --auth-local=trust --auth-host=scram-sha-256 > /dev/null && pg_ctl -D ~/fresh -o '-p 5433' -l ~/fresh.log -w start

#> Restore the database alone. `--create` makes `shop` from the archive. Every statement that names a role fails.
pg_restore -p 5433 --create -d postgres /srv/backups/shop.dump

#> "Errors ignored", and a database that looks fine: but the table belongs to `postgres`, and `reporting` may no
#> longer read it. An application connecting as `app` cannot even log in: the role does not exist.
psql -p 5433 -d shop -c '\dt orders' -c '\dp orders'

#> Start again, in the right order: globals first (the one error is the `postgres` role, which every cluster has), then
#> the database.
dropdb -p 5433 shop && psql -p 5433 -q -f /srv/backups/globals.sql && pg_restore -p 5433 --create -d postgres /srv/backups/shop.dump

#> Owner and grants are back, and `app` logs in over TCP with its old password, checked against the restored hash.
psql -p 5433 -d shop -c '\dt orders' -c '\dp orders' && PGPASSWORD=app-secret psql -h localhost -p 5433 -U app -d shop -Atc 'SELECT current_user, count(*) FROM orders'
