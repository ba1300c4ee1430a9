#!/usr/bin/env bash
# Replay for foundations/consistency.md (./drillbook record, see docs/authoring.md#terminal).
#% title: One snapshot, and what mysqldump asks the server for
#% scenario: MariaDB 10.11 holds `shop.orders` with 1,000 rows, in InnoDB. First a snapshot by hand, then the
#%   statements mysqldump sends, read from the server's general query log.
# Preparation (not shown): the shop database.
mariadb -e "CREATE DATABASE shop; CREATE TABLE shop.orders (id INT PRIMARY KEY, total DECIMAL(8,2)) ENGINE=InnoDB;
  INSERT INTO shop.orders SELECT seq, seq % 90 + 0.5 FROM shop.seq_1_to_1000"

#> One session opens a transaction with a consistent snapshot and counts the orders. While it is open, `system` runs
#> a second client that inserts 500 orders and commits. The first session still counts 1,000 until it ends its
#> transaction: it reads the database as of the moment its snapshot was taken, and nobody was blocked.
mariadb -N <<'SQL'
START TRANSACTION WITH CONSISTENT SNAPSHOT;
SELECT COUNT(*) FROM shop.orders;
system mariadb -e 'INSERT INTO shop.orders SELECT seq, 9.99 FROM shop.seq_1001_to_1500'
SELECT COUNT(*) FROM shop.orders;
COMMIT;
SELECT COUNT(*) FROM shop.orders;
SQL

#> mysqldump's `--single-transaction` does the same thing. To see it, switch on the general query log (every
#> statement the server receives, here into the `mysql.general_log` table) for the length of one dump.
mariadb -e "SET GLOBAL log_output = 'TABLE'; SET GLOBAL general_log = ON"; mysqldump --single-transaction --master-data=2 shop > /srv/backups/shop.sql; mariadb -e "SET GLOBAL general_log = OFF"

#> The statements that decide consistency, in order. MariaDB reads the binlog position that belongs to the snapshot
#> from the `binlog_snapshot_%` status variables, so `--master-data` needs no global read lock here. (MySQL's
#> mysqldump runs `FLUSH TABLES WITH READ LOCK` for a moment to read it.)
mariadb -N -e "SELECT argument FROM mysql.general_log WHERE argument RLIKE '^(SET SESSION TRANS|START TRANS|SHOW STATUS|FLUSH|LOCK|UNLOCK)'"

#> The position it read went into the dump as a comment: the point to start replaying the binary log from.
grep -m1 'CHANGE MASTER' /srv/backups/shop.sql

#> Without `--single-transaction`, mysqldump locks each database's tables for reading while it dumps them; with
#> `--lock-all-tables`, the whole server, with `FLUSH TABLES WITH READ LOCK`. This session holds that lock while an
#> application's insert, allowed to wait 2 seconds, tries to write.
mariadb <<'SQL'
FLUSH TABLES WITH READ LOCK;
system mariadb --init-command='SET lock_wait_timeout = 2' -e 'INSERT INTO shop.orders VALUES (2001, 5.00)'
UNLOCK TABLES;
SQL
