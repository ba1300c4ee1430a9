#!/usr/bin/env bash
# Replay for mariadb/binlog.md (./drillbook record, see docs/authoring.md#terminal).
#% title: Replay everything except one bad transaction
#% scenario: MariaDB 10.11, binary log in ROW format. Last night's dump of `bank` was taken with `--master-data=2
#%   --flush-logs`. This morning four transactions ran; the third, `UPDATE accounts SET balance = 0` without a
#%   WHERE, was a mistake. You restore the dump and replay the morning without that one transaction.
# Preparation (not shown): the bank, last night's dump, and the morning's transactions.
mariadb <<'SQL'
CREATE DATABASE bank;
CREATE TABLE bank.accounts (id INT PRIMARY KEY, owner VARCHAR(40) NOT NULL, balance DECIMAL(12,2) NOT NULL);
INSERT INTO bank.accounts SELECT seq, CONCAT('owner ', seq), 100 * seq FROM bank.seq_1_to_100;
SQL
mysqldump --single-transaction --master-data=2 --flush-logs --databases bank > /srv/backups/bank.sql
mariadb bank -e "UPDATE accounts SET balance = balance + 50 WHERE id = 7"
mariadb bank -e "INSERT INTO accounts VALUES (101, 'new customer', 0)"
mariadb bank -e "UPDATE accounts SET balance = 0"
mariadb bank -e "UPDATE accounts SET balance = balance - 20 WHERE id = 3"

#> Find the transactions in the binary log written since the dump (`--flush-logs` started `binlog.000002` at the
#> dump). Every transaction has a GTID (domain-server-sequence), and in ROW format the original statement is kept as
#> an annotation (`#Q>`), which makes the mistake easy to spot: GTID `0-1-6`.
mysqlbinlog --base64-output=decode-rows -v /var/lib/mysql/binlog.000002 | grep -oE 'GTID [0-9-]+|^#Q> .*'

#> Copy the binary logs aside and make the server start a new one: the replay is about to write to this server.
mkdir ~/pitr && cp /var/lib/mysql/binlog.0* ~/pitr/ && mariadb -e 'FLUSH BINARY LOGS'

#> Restore last night.
mariadb < /srv/backups/bank.sql

#> Replay up to and including `0-1-5`, the last good transaction before the mistake. With a GTID, `--stop-position`
#> is inclusive. `--disable-log-bin` keeps the replayed events out of this server's own binary log.
mysqlbinlog --disable-log-bin --stop-position=0-1-5 ~/pitr/binlog.000002 | mariadb

#> Then everything after `0-1-6`. With a GTID, `--start-position` is exclusive: it starts after the one named.
mysqlbinlog --disable-log-bin --start-position=0-1-6 ~/pitr/binlog.000002 | mariadb

#> Accounts 7 and 101 are right. Account 3 is not: it should be 300 - 20 = 280.
mariadb -t -e 'SELECT id, balance FROM bank.accounts WHERE id IN (3, 7, 101)'

#> The reason is in the skipped transaction's successor. In ROW format a transaction records the rows it changed,
#> before and after, not the statement: `0-1-7` says "account 3 went from 0.00 to -20.00", computed on the damaged
#> data. Replayed, it writes -20.00. Skipping a transaction is only safe when nothing after it touched the same rows.
mysqlbinlog --base64-output=decode-rows -v --start-position=0-1-6 --stop-position=0-1-7 ~/pitr/binlog.000002 | grep -A 8 '^### UPDATE'
