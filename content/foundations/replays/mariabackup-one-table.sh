#!/usr/bin/env bash
# Replay for foundations/logical-vs-physical.md (./drillbook record, see docs/authoring.md#terminal).
#% title: One database backed up, one table restored
#% scenario: mariabackup can copy only some databases or tables, and give back a single InnoDB table from a prepared
#%   backup. Here `shop` alone is backed up; later someone deletes most of `orders`, and only that table is put back.
# Preparation (not shown): the shop database.
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

#> `--databases=shop` copies only that database's tables (plus the system tablespace and redo log, which every
#> backup needs). `--tables` takes patterns of `db.table` names in the same way.
mariabackup --backup --databases=shop --target-dir=/srv/backups/shop-only --user=root 2>&1 | tail -n 1

#> No `mysql` system database: this backup cannot become a whole server. It is for bringing tables back.
ls /srv/backups/shop-only

#> `--export` prepares the backup and also writes a `.cfg` file per table: the metadata `IMPORT TABLESPACE` needs.
mariabackup --prepare --export --target-dir=/srv/backups/shop-only 2>&1 | tail -n 1

#> Each table now has its `.ibd` data file and its `.cfg`.
ls /srv/backups/shop-only/shop

#> The accident: three of the four orders are deleted.
mariadb -e 'DELETE FROM shop.orders WHERE id > 1'

#> Detach the damaged table's data file. The table definition stays; the server forgets its rows.
mariadb -e 'ALTER TABLE shop.orders DISCARD TABLESPACE'

#> Put the backup's files where the server keeps the table. On a Debian server follow this with
#> `chown mysql:mysql` on both files; in the sandbox the data directory already belongs to you.
cp /srv/backups/shop-only/shop/orders.ibd /srv/backups/shop-only/shop/orders.cfg /var/lib/mysql/shop/

#> The server adopts the file and its rows.
mariadb -e 'ALTER TABLE shop.orders IMPORT TABLESPACE'

#> All four orders are back, as of the backup. Rows written after the backup are lost for this table unless you
#> replay them from the binary log.
mariadb -t -e 'SELECT COUNT(*) AS orders FROM shop.orders'
