#!/usr/bin/env bash
# Replay for mariadb/mysqldump.md (./drillbook record, see docs/authoring.md#terminal).
#% title: A complete dump, compressed, and one table out of it
#% scenario: MariaDB 10.11 holds `shop`, with tables, a stored procedure, a trigger and a scheduled event. You dump
#%   everything through zstd, check what the file holds, and restore the `orders` table alone into a scratch database.
# Preparation (not shown): the shop database with code in it.
mariadb <<'SQL'
CREATE DATABASE shop;
USE shop;
CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(100) NOT NULL);
CREATE TABLE orders (id INT PRIMARY KEY, customer_id INT NOT NULL, total DECIMAL(10,2) NOT NULL, KEY (customer_id));
CREATE TABLE order_audit (order_id INT, logged_at DATETIME);
INSERT INTO customers SELECT seq, CONCAT('Customer ', seq) FROM seq_1_to_200;
INSERT INTO orders SELECT seq, 1 + seq % 200, (seq % 90) + 0.99 FROM seq_1_to_20000;
CREATE PROCEDURE customer_total(IN c INT) SELECT SUM(total) FROM orders WHERE customer_id = c;
CREATE TRIGGER orders_audit AFTER INSERT ON orders FOR EACH ROW INSERT INTO order_audit VALUES (NEW.id, NOW());
CREATE EVENT purge_audit ON SCHEDULE EVERY 1 DAY DO DELETE FROM order_audit WHERE logged_at < NOW() - INTERVAL 30 DAY;
SQL

#> One consistent InnoDB snapshot; stored procedures and functions (`--routines`) and scheduled events (`--events`),
#> which are left out by default; triggers, which are in by default; the binlog position as a comment. zstd compresses
#> on the way to disk. `PIPESTATUS` shows the exit status of both sides of the pipe: mysqldump's, then zstd's.
mysqldump --single-transaction --routines --events --triggers --master-data=2 --databases shop | zstd -q > /srv/backups/shop.sql.zst; echo "${PIPESTATUS[@]}"

#> The compressed file is a fraction of the dump's size: SQL text compresses very well.
ls -lh /srv/backups/shop.sql.zst

#> Read the compressed dump without unpacking it to disk. The code is there (procedure, trigger, event), and so is
#> the binlog position.
zstdcat /srv/backups/shop.sql.zst | grep -E '^-- CHANGE MASTER|CREATE.*(PROCEDURE|TRIGGER|EVENT)' | cut -c 1-78

#> One table out of a whole-database dump: every table's section starts with a `-- Table structure for table`
#> comment, so `sed` can cut from the `orders` header to the next table's header. `orders` happens to be the last
#> table, so this cut runs on to the end of the file.
zstdcat /srv/backups/shop.sql.zst | sed -n '/^-- Table structure for table `orders`/,/^-- Table structure for table/p' > /srv/backups/orders.sql

#> Load it into a scratch database, never straight over the live table. It fails on the very last lines: the dump's
#> footer puts back session settings that its header saved, and the header is not in the cut. (The rows did load,
#> but a script would rightly treat this as a failure.)
mariadb -e 'CREATE DATABASE shop_restore' && mariadb shop_restore < /srv/backups/orders.sql

#> Cut again with `awk`: print from the `orders` header, stop at any other table's header or at the footer. The section has the table's definition, its rows and its triggers, and
#> no `USE` line, so it loads into whatever database you name.
zstdcat /srv/backups/shop.sql.zst | awk '/^-- Table structure for table/ {p = /`orders`/} /^\/\*!40103 SET TIME_ZONE=@OLD/ {p = 0} p' > /srv/backups/orders.sql

#> A clean load this time. The trigger came along with the table, and would fire on inserts in the scratch database
#> too.
mariadb -e 'DROP DATABASE shop_restore; CREATE DATABASE shop_restore' && mariadb shop_restore < /srv/backups/orders.sql && mariadb -t -e 'SELECT COUNT(*) AS orders, SUM(total) FROM shop_restore.orders; SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = "shop_restore"'
