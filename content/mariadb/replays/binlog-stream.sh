#!/usr/bin/env bash
# Replay for mariadb/binlog.md (./drillbook record, see docs/authoring.md#terminal).
#% title: Copy the binary log as it is written
#% scenario: MariaDB 10.11 with binary logging on. `mysqlbinlog` connects like a replica and writes an exact copy of
#%   every binary log file into `/srv/backups/binlogs`, event by event, for as long as it runs. Here it runs on the
#%   same machine; in production it runs on the backup host.
# Preparation (not shown): a database to write to.
mariadb -e "CREATE DATABASE shop; CREATE TABLE shop.orders (id INT PRIMARY KEY, total DECIMAL(8,2))"
mkdir -p /srv/backups/binlogs

#> `--read-from-remote-server` asks the server for its binary log over the replication protocol, `--raw` writes the
#> events unchanged into files of the same names (`--result-file` is their prefix: a directory here), and
#> `--stop-never` keeps it connected, waiting for new events, instead of stopping at the end. It starts at the
#> oldest file it should copy.
(mysqlbinlog --read-from-remote-server --host=localhost --raw --stop-never --result-file=/srv/backups/binlogs/ binlog.000001 > /srv/backups/binlog-copy.log 2>&1 &)

#> The application writes, the server moves on to a new binary log file, and writes more.
mariadb -e 'INSERT INTO shop.orders SELECT seq, 9.99 FROM shop.seq_1_to_1000'; mariadb -e 'FLUSH BINARY LOGS'; mariadb -e 'INSERT INTO shop.orders VALUES (1001, 5.00)'

#> Wait until the copy has caught up (moments), and compare. The closed file is identical. The one the server is still writing differs
#> in a single byte: byte 22 is a flag in the file's first event that says "in use", which the server clears when it
#> closes the file. The events themselves are all there.
until [ "$(stat -c %s /srv/backups/binlogs/binlog.000002 2> /dev/null)" = "$(stat -c %s /var/lib/mysql/binlog.000002)" ]; do sleep 0.2; done; for f in /var/lib/mysql/binlog.0*[0-9]; do cmp "$f" "/srv/backups/binlogs/${f##*/}" && echo "${f##*/}: identical"; done

#> On the server, the copier is just another replica connection, waiting for the next event.
mariadb -t -e "SELECT COMMAND, STATE FROM information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog Dump%'"

#> The server may now remove its old files, on its own schedule (`binlog_expire_logs_seconds`) or by hand, without
#> losing anything: the copy keeps them for as long as your retention policy says.
mariadb -e "PURGE BINARY LOGS TO 'binlog.000002'"; ls /var/lib/mysql/binlog.0*[0-9] /srv/backups/binlogs
