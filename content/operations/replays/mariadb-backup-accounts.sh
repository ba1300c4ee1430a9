#!/usr/bin/env bash
# Replay for operations/security.md (./drillbook record, see docs/authoring.md#terminal).
#% title: Backup accounts with only the privileges they need
#% scenario: MariaDB 10.11 holds `shop`. Two accounts for two jobs - `backup` for mariabackup, `dumper` for
#%   mysqldump - each with its password in an option file readable only by its owner, never on a command line.
# Preparation (not shown): the data.
mariadb -e "CREATE DATABASE shop; CREATE TABLE shop.orders (id INT PRIMARY KEY, total DECIMAL(8,2));
  INSERT INTO shop.orders SELECT seq, seq % 90 + 0.5 FROM shop.seq_1_to_1000"

#> The physical backup account: mariabackup copies the data files through the file system, so in SQL it only needs
#> to flush and lock (`RELOAD`, `LOCK TABLES`), to see running queries (`PROCESS`) and to read the binary log
#> position (`BINLOG MONITOR`).
mariadb -e "CREATE USER 'backup'@'localhost' IDENTIFIED BY 'bk-7c1f9e'; GRANT RELOAD, PROCESS, LOCK TABLES, BINLOG MONITOR ON *.* TO 'backup'@'localhost'"

#> Its password goes into an option file, mode 600. A password given with `-p` on the command line can be read by
#> every user of the machine in `ps` while the command runs.
printf '[client]\nuser = backup\npassword = bk-7c1f9e\n' > ~/backup.cnf && chmod 600 ~/backup.cnf && ls -l ~/backup.cnf

#> mariabackup with that account works (`--defaults-extra-file` must come first on the command line).
mariabackup --defaults-extra-file=/home/learner/backup.cnf --backup --target-dir=/srv/backups/full 2>&1 | tail -n 1

#> Yet the account cannot read a single row through SQL, or change one.
mariadb --defaults-extra-file=/home/learner/backup.cnf -e 'SELECT COUNT(*) FROM shop.orders'

#> A dump account needs different privileges. Here is one that forgot `SELECT`.
mariadb -e "CREATE USER 'dumper'@'localhost' IDENTIFIED BY 'dm-2b8e4a'; GRANT SHOW VIEW, TRIGGER, EVENT, LOCK TABLES ON *.* TO 'dumper'@'localhost'" && printf '[client]\nuser = dumper\npassword = dm-2b8e4a\n' > ~/dumper.cnf && chmod 600 ~/dumper.cnf

#> The dump "succeeds": exit status 0, the table's definition, the `-- Dump completed` trailer, and not one row
#> (no `INSERT` at all). Only a restore test, or a size check, notices.
mysqldump --defaults-extra-file=/home/learner/dumper.cnf --single-transaction --databases shop > /srv/backups/shop.sql; echo "exit status $?"; grep -oE '^(CREATE TABLE|INSERT INTO) `[a-z]+`' /srv/backups/shop.sql; tail -n 1 /srv/backups/shop.sql

#> With `SELECT` the dump is complete. The account still cannot write: `SELECT`, `SHOW VIEW`, `TRIGGER`, `EVENT` and
#> `LOCK TABLES` allow reading everything a dump needs, nothing more.
mariadb -e "GRANT SELECT ON *.* TO 'dumper'@'localhost'" && mysqldump --defaults-extra-file=/home/learner/dumper.cnf --single-transaction --databases shop > /srv/backups/shop.sql && grep -oE '^(CREATE TABLE|INSERT INTO) `[a-z]+`' /srv/backups/shop.sql && mariadb --defaults-extra-file=/home/learner/dumper.cnf -e 'DELETE FROM shop.orders'
