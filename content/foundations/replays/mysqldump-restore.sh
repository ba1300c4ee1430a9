#!/usr/bin/env bash
# Replay for foundations/logical-vs-physical.md (./drillbook record, see docs/authoring.md#terminal).
#% title: Dump a MariaDB database and prove it restores
#% scenario: MariaDB 10.11 in a Drillbook sandbox holds a small `shop` database (three customers, four orders).
#%   You dump it to a file, look inside the file, then throw the database away and rebuild it from that file.
# Preparation (not shown): the shop database from the "Follow along" box.
mariadb <<'SQL'
CREATE DATABASE shop;
USE shop;
CREATE TABLE customers (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(100) NOT NULL,
  email VARCHAR(255) NOT NULL UNIQUE, created_at DATE NOT NULL);
CREATE TABLE orders (id INT AUTO_INCREMENT PRIMARY KEY, customer_id INT NOT NULL REFERENCES customers (id),
  total DECIMAL(10,2) NOT NULL, placed_at DATETIME NOT NULL);
INSERT INTO customers VALUES (1, 'Ana Souza', 'ana@example.com', '2024-01-15'),
  (2, 'Ben Okafor', 'ben@example.com', '2024-02-03'), (3, 'Chloe Martin', 'chloe@example.com', '2024-03-22');
INSERT INTO orders (customer_id, total, placed_at) VALUES (1, 42.50, '2024-04-01 10:15'),
  (1, 18.00, '2024-04-09 16:40'), (2, 99.90, '2024-04-12 09:05'), (3, 7.25, '2024-04-20 19:30');
SQL

#> `--single-transaction` reads every InnoDB table from one snapshot without blocking writers. `--routines` adds
#> stored procedures and functions, which are left out by default; triggers are in by default, naming them only
#> makes that visible. `--databases` puts `CREATE DATABASE` and `USE` lines in the file. No output means no errors.
mysqldump --single-transaction --routines --triggers --databases shop > /srv/backups/shop.sql

#> A few kilobytes. A logical dump holds table definitions and rows only: no index pages, no free space, no logs.
ls -lh /srv/backups/shop.sql

#> The header records the tool and server versions. The first line is a recent MariaDB addition that puts the
#> `mariadb` client into its own "sandbox mode" (no shell escapes) while it loads the file. Older MariaDB clients
#> and all MySQL clients stop at it with "Unknown command", so delete that line if you ever load this dump with one.
head -n 6 /srv/backups/shop.sql

#> The rows are ordinary multi-row `INSERT` statements. `LOCK TABLES` and `DISABLE KEYS` only make the reload
#> faster; they run at restore time, not while dumping.
sed -n '/^LOCK TABLES `customers`/,/^UNLOCK TABLES/p' /srv/backups/shop.sql

#> A dump counts as a backup only once it has been restored. Here the test is the real thing: the database is
#> dropped, so only the file can bring it back. (Do this on a practice server; on a real one, restore into a
#> scratch server instead.)
mariadb -e 'DROP DATABASE shop'

#> The file was made with `--databases`, so it creates `shop` and switches to it by itself. This reads the saved
#> file, the one you would have after a disaster, not a fresh dump.
mariadb < /srv/backups/shop.sql

#> Four orders and three customers, as before the drop. A real check compares every table, not just two counts.
mariadb -t -e 'SELECT (SELECT COUNT(*) FROM shop.customers) AS customers, (SELECT COUNT(*) FROM shop.orders) AS orders'
