#!/usr/bin/env bash
# Replay for mariadb/mariabackup.md (./drillbook record, see docs/authoring.md#terminal).
#% title: A streamed, compressed mariabackup, restored and started safely
#% scenario: MariaDB 10.11 holds `shop` with 100,000 orders and a scheduled event that deletes rows every minute.
#%   You stream a physical backup through zstd into one file, unpack and prepare it elsewhere, and start a second,
#%   private server on the copy to check it, with nothing in it able to act on its own.
# Preparation (not shown): the data, and an event that would run on any server started from a copy.
mariadb <<'SQL'
CREATE DATABASE shop;
USE shop;
CREATE TABLE orders (id INT PRIMARY KEY, total DECIMAL(10,2) NOT NULL);
INSERT INTO orders SELECT seq, (seq % 90) + 0.99 FROM seq_1_to_100000;
CREATE EVENT purge_cancelled ON SCHEDULE EVERY 1 MINUTE DO DELETE FROM orders WHERE total < 1;
SQL

#> `--stream=mbstream` writes the whole backup to standard output in one stream (`xbstream` is the same format under
#> Percona's name), so it can go through a compressor, over `ssh`, or straight to object storage, without a copy on
#> the server's own disk. `--parallel=2` copies two files at a time. The log goes to its own file.
mariabackup --backup --stream=mbstream --parallel=2 --user=root 2> /srv/backups/full.log | zstd -q -T2 > /srv/backups/full.mb.zst; echo "${PIPESTATUS[@]}"

#> Both sides of the pipe succeeded; the verdict is at the end of the log, as always.
tail -n 1 /srv/backups/full.log; ls -lh /srv/backups/full.mb.zst

#> To restore, decompress and let `mbstream -x` unpack the stream into a directory.
mkdir /srv/backups/restore && zstd -dc /srv/backups/full.mb.zst | mbstream -x -C /srv/backups/restore --parallel=2 && ls /srv/backups/restore

#> A streamed backup is a raw copy like any other: prepare it before use.
mariabackup --prepare --target-dir=/srv/backups/restore 2>&1 | tail -n 1

#> Start a server on the copy, beside the real one: its own socket and pid file, no network (`--skip-networking`),
#> no binary log, no replication threads, and the event scheduler off, so that the copy's event cannot delete
#> anything and nothing reaches a replica or a client by mistake. `backup-my.cnf`, written by mariabackup, has the
#> InnoDB settings the files were made with.
(mariadbd --defaults-file=/srv/backups/restore/backup-my.cnf --datadir=/srv/backups/restore --socket=/tmp/restore.sock --pid-file=/tmp/restore.pid --log-error=/tmp/restore.err --skip-networking --skip-log-bin --skip-slave-start --event-scheduler=OFF --innodb-buffer-pool-size=16M >> /tmp/restore.err 2>&1 &)

#> Wait for it, then check the data and the safety settings.
until mariadb-admin -S /tmp/restore.sock ping > /dev/null 2>&1; do sleep 0.2; done; mariadb -S /tmp/restore.sock -t -e 'SELECT COUNT(*) AS orders FROM shop.orders; SELECT @@event_scheduler, @@log_bin, @@skip_networking'

#> Stop the copy when the check is done.
mariadb-admin -S /tmp/restore.sock shutdown
