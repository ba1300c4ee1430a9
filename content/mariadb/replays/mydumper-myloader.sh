#!/usr/bin/env bash
# Replay for mariadb/mydumper.md (./drillbook record, see docs/authoring.md#terminal).
#% title: A parallel dump with mydumper, loaded with myloader
#% scenario: MariaDB 10.11 holds `shop` (200 customers, 50,000 orders, a stored procedure and a trigger). mydumper
#%   0.10 from Debian 12 dumps it with four threads; myloader loads the copy under a new name.
#% mask: Pos: (\d+)
# Preparation (not shown): the shop database.
mariadb <<'SQL'
CREATE DATABASE shop;
USE shop;
CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(100) NOT NULL);
CREATE TABLE orders (id INT PRIMARY KEY, customer_id INT NOT NULL, total DECIMAL(10,2) NOT NULL, KEY (customer_id));
CREATE TABLE order_audit (order_id INT, logged_at DATETIME);
INSERT INTO customers SELECT seq, CONCAT('Customer ', seq) FROM seq_1_to_200;
INSERT INTO orders SELECT seq, 1 + seq % 200, (seq % 90) + 0.99 FROM seq_1_to_50000;
CREATE PROCEDURE customer_total(IN c INT) SELECT SUM(total) FROM orders WHERE customer_id = c;
CREATE TRIGGER orders_audit AFTER INSERT ON orders FOR EACH ROW INSERT INTO order_audit VALUES (NEW.id, NOW());
SQL

#> Four threads (`-t 4`), tables split into chunks of about 10,000 rows (`-r`) so that even one big table is dumped
#> in parallel, and triggers, events and routines (`-G -E -R`), which mydumper 0.10 leaves out otherwise.
mydumper -B shop -t 4 -r 10000 -G -E -R -o /srv/backups/shop-mydumper

#> One file per table definition and per chunk of rows, plus the database's definition, the code
#> (`-schema-post.sql`: routines and events), the triggers, and `metadata`.
ls /srv/backups/shop-mydumper

#> `metadata` holds the binlog position (and GTID) of the consistent snapshot: the start for point-in-time recovery.
cat /srv/backups/shop-mydumper/metadata

#> Load into a new database (`-B`), here with one thread (`-t 1`): several threads loading chunks of one new table
#> can deadlock on MariaDB (MDEV-32735), and myloader 0.10 then reports the chunk CRITICAL and goes on without
#> it (seen in one of our runs: 40,000 of 50,000 orders). Whatever the threads, compare row counts after a load.
#> The position of the binary log before and after shows what myloader does by default: it switches binary
#> logging off for its sessions.
b=$(mariadb -N -e 'SHOW MASTER STATUS' | cut -f2); myloader -d /srv/backups/shop-mydumper -B shop_copy -t 1; a=$(mariadb -N -e 'SHOW MASTER STATUS' | cut -f2); echo "binary log grew by $((a - b)) bytes"

#> The copy is complete, code included.
mariadb -t -e "SELECT (SELECT COUNT(*) FROM shop_copy.orders) AS orders, (SELECT GROUP_CONCAT(ROUTINE_NAME) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = 'shop_copy') AS routines, (SELECT GROUP_CONCAT(TRIGGER_NAME) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = 'shop_copy') AS triggers"

#> With `-e` (`--enable-binlog`) the load is written to the binary log, so replicas receive it and a later
#> point-in-time recovery from this binary log includes it.
b=$(mariadb -N -e 'SHOW MASTER STATUS' | cut -f2); myloader -d /srv/backups/shop-mydumper -B shop_copy2 -t 1 -e; a=$(mariadb -N -e 'SHOW MASTER STATUS' | cut -f2); [ "$a" -gt "$b" ] && echo "binary log grew"
