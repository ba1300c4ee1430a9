#!/usr/bin/env bash
# Replay for mariadb/mydumper.md (./drillbook record, see docs/authoring.md#terminal).
#% title: A global read lock waiting behind a slow write
#% scenario: MariaDB 10.11. A slow batch update is running when a backup tool asks for `FLUSH TABLES WITH READ LOCK`,
#%   and the application then tries to insert a row into another table.
# Preparation (not shown): two small tables.
mariadb -e "CREATE DATABASE shop; CREATE TABLE shop.orders (id INT PRIMARY KEY, total DECIMAL(8,2));
  INSERT INTO shop.orders SELECT seq, seq % 90 + 0.5 FROM shop.seq_1_to_10; CREATE TABLE shop.visits (id INT)"

#> A batch job updates ten rows, half a second each: five seconds of writing. It runs in the background.
(mariadb -e 'UPDATE shop.orders SET total = total + SLEEP(0.5)' > /dev/null &)

#> The backup tool asks for the global read lock (mydumper does this at the start; so does mysqldump
#> `--lock-all-tables`). It cannot have it while a write is running, so it waits.
(mariadb -e 'FLUSH TABLES WITH READ LOCK; DO SLEEP(1)' > /dev/null &)

#> The application inserts a visit, into a table nobody else is touching.
(mariadb -e 'INSERT INTO shop.visits VALUES (1)' > /dev/null &)

#> Once both are waiting, look: the insert queues behind the lock request, which queues behind the batch job. For as long as the
#> slow write runs, every write on the server stalls. (In MariaDB a running `SELECT` does not hold the lock up; in
#> MySQL a long `SELECT` does too.)
until [ "$(mariadb -N -e "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE STATE = 'Waiting for backup lock'")" -ge 2 ]; do sleep 0.2; done; mariadb -e "SELECT STATE, INFO FROM information_schema.PROCESSLIST WHERE COMMAND = 'Query' AND INFO NOT LIKE '%PROCESSLIST%' ORDER BY ID"
