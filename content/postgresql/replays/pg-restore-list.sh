#!/usr/bin/env bash
# Replay for postgresql/pg-dump.md (./drillbook record, see docs/authoring.md#terminal).
#% title: A directory-format dump, and one table restored with everything attached to it
#% scenario: PostgreSQL 15 holds `shop`: customers, orders (with a primary key, an index, a default from a sequence
#%   and a foreign key to customers) and a view. You dump it in parallel, then restore `orders` into a scratch
#%   database with its indexes and constraints, choosing the entries from the archive's table of contents.
# Preparation (not shown): the shop database.
createdb shop
psql -q -d shop <<'SQL'
CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL);
CREATE TABLE orders (id serial PRIMARY KEY, customer_id int NOT NULL REFERENCES customers (id),
  total numeric(10,2) NOT NULL, placed_at timestamp NOT NULL);
CREATE INDEX orders_placed_at_idx ON orders (placed_at);
CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 80;
INSERT INTO customers (name) SELECT 'Customer ' || g FROM generate_series(1, 200) g;
INSERT INTO orders (customer_id, total, placed_at)
  SELECT 1 + g % 200, (g % 90) + 0.99, timestamp '2026-01-01' + g * interval '1 minute' FROM generate_series(1, 20000) g;
SQL

#> The directory format: one compressed file per table's data plus `toc.dat`, the table of contents. It is the only
#> format pg_dump can write with several jobs.
pg_dump -Fd -j 2 -f /srv/backups/shop.dir shop && ls /srv/backups/shop.dir

#> Every entry that belongs to `orders`: the table, its sequence, the column default, the data, the primary key, the
#> index, the foreign key, and the view that reads it.
pg_restore -l /srv/backups/shop.dir | grep orders | tee /srv/backups/orders.list

#> A list file is the list of entries to restore: pg_restore `-L` restores those and nothing else, in the archive's
#> order. Lines starting with `;` are comments. Comment out the foreign key (there are no customers in the scratch
#> database) and the view.
sed -i -E '/FK CONSTRAINT|VIEW/s/^/;/' /srv/backups/orders.list

#> Restore the chosen entries into a scratch database.
createdb shop_fix && pg_restore -d shop_fix -L /srv/backups/orders.list /srv/backups/shop.dir

#> Unlike a bare `pg_restore -t orders`, this brings the table back with its primary key, its index and its default.
psql -d shop_fix -c '\d orders'

#> The rows are the dump's. From here you would compare them with the live table and copy back what is missing.
psql -d shop_fix -Atc 'SELECT count(*), max(placed_at) FROM orders'
