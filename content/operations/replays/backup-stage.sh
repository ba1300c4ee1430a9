#!/usr/bin/env bash
# Replay for operations/snapshots-and-offsite.md (./drillbook record, see docs/authoring.md#terminal).
#% title: What BACKUP STAGE BLOCK_COMMIT holds, and what it does not
#% scenario: MariaDB 10.11 in a Drillbook sandbox. A snapshot command would run at BLOCK_COMMIT; here a second session
#%   inserts 20,000 rows at that moment instead, and InnoDB's log sequence number (LSN) shows whether the files still
#%   change.

#> The same 40,000 orders in MariaDB. This step and the next run in your sandbox as shown.
mariadb -e "CREATE DATABASE shop; USE shop; CREATE TABLE orders (id INT PRIMARY KEY, total DECIMAL(8,2)) ENGINE=InnoDB; INSERT INTO orders SELECT seq, seq % 500 + 0.99 FROM seq_1_to_40000"

#> One session takes the backup lock stage by stage. At `BLOCK_COMMIT`, `SHOW MASTER STATUS` gives the binlog position
#> that matches the data, the start for point-in-time recovery. The `system` line is the application meanwhile: its
#> insert does its work, then waits to commit, and with `lock_wait_timeout` at 2 seconds gives up with error 1205.
#> Yet the LSN moved by megabytes while commits were blocked: InnoDB kept writing redo (and flushing pages).
mariadb -t <<'SQL'
BACKUP STAGE START;
BACKUP STAGE FLUSH;
BACKUP STAGE BLOCK_DDL;
BACKUP STAGE BLOCK_COMMIT;
SHOW MASTER STATUS;
SELECT VARIABLE_VALUE INTO @before FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'INNODB_LSN_CURRENT';
system mariadb --init-command='SET lock_wait_timeout = 2' -e 'INSERT INTO shop.orders SELECT seq, 9.99 FROM shop.seq_40001_to_60000'
SELECT VARIABLE_VALUE - @before > 1000000 AS `redo written while commits were blocked > 1 MB`
  FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'INNODB_LSN_CURRENT';
BACKUP STAGE END;
SQL

#> After `BACKUP STAGE END` the same insert commits at once.
mariadb -e 'INSERT INTO shop.orders SELECT seq, 9.99 FROM shop.seq_40001_to_60000' && mariadb -N -e 'SELECT count(*) FROM shop.orders'
