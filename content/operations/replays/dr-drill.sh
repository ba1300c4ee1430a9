#!/usr/bin/env bash
# Replay for operations/dr-drill.md (./drillbook record, see docs/authoring.md#terminal).
#% title: A restore drill, step by step, against the clock
#% scenario: The drill: "db1 is gone. Restore the shop from last night's off-site copy onto this spare machine and
#%   prove it is usable." The off-site copy is in `/srv/offsite/db1` (here a local folder standing in for the bucket):
#%   a compressed mariabackup stream and its checksum file. Each step follows the runbook, and the clock runs.
#% mask: drill started (.*)$
# Preparation (not shown): the data, last night's backup and its checksum, copied "off site".
mariadb <<'SQL'
CREATE DATABASE shop;
CREATE TABLE shop.orders (id INT PRIMARY KEY, total DECIMAL(10,2) NOT NULL, placed_at DATETIME NOT NULL);
INSERT INTO shop.orders SELECT seq, (seq % 90) + 0.99, NOW() - INTERVAL (200000 - seq) SECOND FROM shop.seq_1_to_200000;
SQL
mkdir -p /srv/offsite/db1
mariabackup --backup --stream=mbstream --user=root 2> /dev/null | zstd -q > /srv/offsite/db1/full.mb.zst
(cd /srv/offsite/db1 && sha256sum full.mb.zst > SHA256SUMS)

#> Start the clock and write it down: the drill's log is part of its result.
drill_start=$SECONDS; date -u +'drill started %F %T UTC'

#> Runbook step 1: fetch the off-site copy to the restore host (in production: from the bucket, with the read-only
#> restore credentials kept in the vault).
mkdir /srv/restore && cp /srv/offsite/db1/* /srv/restore/ && ls /srv/restore

#> Step 2: prove the copy is the file that was made, before spending time on it.
(cd /srv/restore && sha256sum -c SHA256SUMS)

#> Step 3: unpack and prepare.
mkdir /srv/restore/data && zstd -dc /srv/restore/full.mb.zst | mbstream -x -C /srv/restore/data && mariabackup --prepare --target-dir=/srv/restore/data 2>&1 | tail -n 1

#> Step 4: start it safely: no network, no binary log, no events, no replication.
(mariadbd --defaults-file=/srv/restore/data/backup-my.cnf --datadir=/srv/restore/data --socket=/tmp/drill.sock --pid-file=/tmp/drill.pid --log-error=/tmp/drill.err --skip-networking --skip-log-bin --skip-slave-start --event-scheduler=OFF --innodb-buffer-pool-size=32M >> /tmp/drill.err 2>&1 &); until mariadb-admin -S /tmp/drill.sock ping > /dev/null 2>&1; do sleep 0.2; done

#> Step 5: the checks the runbook lists: the expected tables, a plausible row count, recent data.
mariadb -S /tmp/drill.sock -t -e 'SELECT COUNT(*) AS orders, MAX(placed_at) > NOW() - INTERVAL 1 DAY AS recent FROM shop.orders'

#> Stop the clock. This number, not an estimate, is what goes into the RTO discussion, together with everything the
#> drill found missing or unclear in the runbook.
echo "restore ready after $((SECONDS - drill_start)) s"
