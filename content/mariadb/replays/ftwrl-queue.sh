#!/usr/bin/env bash
# Replay for mariadb/mydumper.md (./drillbook record, see docs/authoring.md#terminal).
#% title: A global read lock waiting behind a slow write
#% scenario: MariaDB 10.11. A slow batch update is running when a backup tool asks for `FLUSH TABLES WITH READ LOCK`,
#%   and the application then tries to insert a row into another table.
# Preparation (not shown): two small tables.
mariadb -e "CREATE DATABASE shop; CREATE TABLE shop.orders (id INT PRIMARY KEY, total DECIMAL(8,2));
  INSERT INTO shop.orders SELECT seq, seq % 90 + 0.5 FROM shop.seq_1_to_10; CREATE TABLE shop.visits (id INT)"

#> A batch job updates ten rows, half a second each: five seconds of writing. It runs in the background; the loop
#> waits until it is under way.
(mariadb -e 'UPDATE shop.orders SET total = total + SLEEP(0.5)' > /dev/null &); until mariadb -N -e "SELECT 1 FROM information_schema.PROCESSLIST WHERE INFO LIKE 'UPDATE%'" | grep -q 1; do sleep 0.1; done

#> The backup tool asks for the global read lock (mydumper does this at the start; so does mysqldump
#> `--lock-all-tables`). It cannot have it while a write is running, so it waits.
(mariadb -e 'FLUSH TABLES WITH READ LOCK; DO SLEEP(1)' > /dev/null &); until mariadb -N -e "SELECT 1 FROM information_schema.PROCESSLIST WHERE INFO LIKE 'FLUSH%' AND STATE = 'Waiting for backup lock'" | grep -q 1; do sleep 0.1; done

#> The application inserts a visit, into a table nobody else is touching.
(mariadb -e 'INSERT INTO shop.visits VALUES (1)' > /dev/null &); until mariadb -N -e "SELECT 1 FROM information_schema.PROCESSLIST WHERE INFO LIKE 'INSERT%' AND STATE = 'Waiting for backup lock'" | grep -q 1; do sleep 0.1; done

#> The insert waits too: it queues behind the lock request, which queues behind the batch job. For as long as the
#> slow write runs, every write on the server stalls. (In MariaDB a running `SELECT` does not hold the lock up; in
#> MySQL a long `SELECT` does too.)
mariadb -e "SELECT IF(STATE = 'Waiting for backup lock', STATE, 'running') AS state, INFO AS statement FROM information_schema.PROCESSLIST WHERE COMMAND = 'Query' AND INFO NOT LIKE '%PROCESSLIST%' ORDER BY ID"
