#!/usr/bin/env bash
# Replay for operations/verification.md (./drillbook record, see docs/authoring.md#terminal).
#% title: InnoDB page checksums, in a backup and in a damaged copy
#% scenario: MariaDB 10.11. `/srv/backups/full` is a prepared mariabackup backup of `shop`. InnoDB keeps a checksum
#%   in every 16 KB page; `innochecksum` verifies a tablespace file offline, and `CHECK TABLE` checks a live table.
# Preparation (not shown): the data and the prepared backup.
mariadb -e "CREATE DATABASE shop; CREATE TABLE shop.orders (id INT PRIMARY KEY, total DECIMAL(8,2), note VARCHAR(100)) ENGINE=InnoDB;
  INSERT INTO shop.orders SELECT seq, seq % 90 + 0.5, REPEAT('x', 60) FROM shop.seq_1_to_20000"
mariabackup --backup --target-dir=/srv/backups/full --user=root > /dev/null 2>&1
mariabackup --prepare --target-dir=/srv/backups/full > /dev/null 2>&1

#> On the live server, `mariadb-check` runs `CHECK TABLE` on every table of the database.
mariadb-check shop

#> In the backup, `innochecksum` reads every page of the file and checks it. No output and exit status 0: every page
#> is intact. (Never run it on the file of a running server's table: the server may be writing to it.)
innochecksum /srv/backups/full/shop/orders.ibd && echo "orders.ibd: every page checks out"

#> A copy of the file with nine bytes of garbage written into its fifth page.
cp /srv/backups/full/shop/orders.ibd /srv/backups/orders-damaged.ibd && printf 'CORRUPTED' | dd of=/srv/backups/orders-damaged.ibd bs=1 seek=$((16384 * 4 + 5000)) conv=notrunc status=none

#> innochecksum names the page and fails. A check like this on a backup's files finds damage before the restore
#> does.
innochecksum /srv/backups/orders-damaged.ibd; echo "exit status $?"
