#!/usr/bin/env bash
# Replay for foundations/logical-vs-physical.md (./drillbook record, see docs/authoring.md#terminal).
#% title: mariabackup: back up, then prepare
#% scenario: Take a physical backup of the running MariaDB server and get it ready to restore. mariabackup writes a
#%   lot of log lines, so each run is piped through `tail` to keep the end, where the verdict is.
# Preparation (not shown): the shop database and its dump, as after the first replay.
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
mysqldump --single-transaction --routines --triggers --databases shop > /srv/backups/shop.sql

#> mariabackup copies the InnoDB data files while following the redo log, and keeps the redo written during the
#> copy. `completed OK!` on the last line is what to look for. (`--user=root` connects as the server's root
#> account; on a real server give it a backup account.)
mariabackup --backup --target-dir=/srv/backups/mariadb-full --user=root 2>&1 | tail -n 3

#> `full-backuped` means a raw copy. The data files changed while they were being read, so on their own they do not
#> agree with each other. `to_lsn` is the checkpoint the copy starts from, `last_lsn` the end of the redo it kept.
cat /srv/backups/mariadb-full/xtrabackup_checkpoints

#> Prepare replays the saved redo against the copied files, the same work InnoDB crash recovery does at startup. The
#> binary log position it prints is where this backup stands in the binlog: the start for point-in-time recovery.
mariabackup --prepare --target-dir=/srv/backups/mariadb-full 2>&1 | tail -n 3

#> The type is now `log-applied`: the backup is consistent and can be restored with `--copy-back`.
cat /srv/backups/mariadb-full/xtrabackup_checkpoints

#> A full data directory: the system tablespace `ibdata1`, the redo log, one directory per database and mariabackup's
#> own metadata files. `xtrabackup_binlog_info` holds the binlog position again.
ls /srv/backups/mariadb-full

#> Table definitions (`.frm`) and InnoDB tablespaces (`.ibd`), no SQL. To read them you need a MariaDB server of the
#> same version.
ls /srv/backups/mariadb-full/shop

#> Megabytes of files against a few kilobytes of dump for the data you actually care about.
du -sh /srv/backups/mariadb-full /srv/backups/shop.sql
