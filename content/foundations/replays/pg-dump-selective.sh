#!/usr/bin/env bash
# Replay for foundations/logical-vs-physical.md (./drillbook record, see docs/authoring.md#terminal).
#% title: pg_dump custom format and a selective restore
#% scenario: The same `shop` data lives in PostgreSQL 15. You write a custom-format archive, read its table of
#%   contents, pull one table's rows out of it, restore the whole archive with two parallel jobs, then see what a
#%   one-table restore leaves behind.
# Preparation (not shown): the shop database from the "Follow along" box.
createdb shop
psql -q -d shop <<'SQL'
CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL, email text NOT NULL UNIQUE, created_at date NOT NULL);
CREATE TABLE orders (id serial PRIMARY KEY, customer_id int NOT NULL REFERENCES customers (id),
  total numeric(10,2) NOT NULL, placed_at timestamp NOT NULL);
INSERT INTO customers (name, email, created_at) VALUES ('Ana Souza', 'ana@example.com', '2024-01-15'),
  ('Ben Okafor', 'ben@example.com', '2024-02-03'), ('Chloe Martin', 'chloe@example.com', '2024-03-22');
INSERT INTO orders (customer_id, total, placed_at) VALUES (1, 42.50, '2024-04-01 10:15'),
  (1, 18.00, '2024-04-09 16:40'), (2, 99.90, '2024-04-12 09:05'), (3, 7.25, '2024-04-20 19:30');
SQL

#> `-Fc` selects the custom archive format: compressed by default, and indexed so `pg_restore` can choose objects
#> and restore them in parallel. pg_dump reads everything inside one MVCC snapshot, so the archive is consistent
#> even while orders keep arriving.
pg_dump -Fc -f /srv/backups/shop.dump shop

#> The archive is binary. You cannot read it with `less`; `pg_restore` is the tool that opens it.
ls -lh /srv/backups/shop.dump

#> The table of contents: one numbered entry per object. Save it to a file, comment out lines with `;`, and pass
#> the file back with `pg_restore -L` to restore only the entries you kept.
pg_restore --list /srv/backups/shop.dump

#> With `-f -` pg_restore prints SQL instead of talking to a server. `-t customers --data-only` extracts the rows of
#> a single table; `sed` trims the output down to the `COPY` block. A physical backup cannot give you one table like
#> this.
pg_restore -f - --data-only -t customers /srv/backups/shop.dump | sed -n '/^COPY/,/^\\\./p'

#> pg_restore loads into an existing database unless you add `--create`, so create an empty one first.
createdb shop_restore_test

#> `-j 2` runs two restore workers at once. Parallel restore works with custom and directory archives, not with
#> plain SQL. Silence again means success.
pg_restore -j 2 -d shop_restore_test /srv/backups/shop.dump

#> The restored copy has the same four orders.
psql -d shop_restore_test -c 'SELECT count(*) AS orders FROM orders'

#> Now restore only the `orders` table into another empty database, as you might after someone dropped it.
createdb shop_one && pg_restore -d shop_one -t orders /srv/backups/shop.dump

#> The rows came back, but look at what did not: no primary key, no foreign key, no index, and no default for `id`
#> (the sequence behind it is an entry of its own). `-t` restores the table, its rows and its own comment and grants
#> (PostgreSQL 15), nothing else attached to it. Add the missing entries with `pg_restore -L`, or restore the whole
#> archive into a scratch database and copy the rows across. Rows written since the dump are not in it either way.
psql -d shop_one -c '\d orders'
