#!/usr/bin/env bash
# Replay for foundations/why-backups-fail.md (./drillbook record, see docs/authoring.md#terminal).
#% title: A backup job that fails and says it worked
#% scenario: MariaDB holds a `shop` database with 1,000 orders. A nightly job pipes mysqldump into gzip, and someone
#%   has mistyped the database name in it.
# Preparation (not shown): the shop database.
mariadb -e "CREATE DATABASE shop; CREATE TABLE shop.orders (id INT PRIMARY KEY, total DECIMAL(8,2));
  INSERT INTO shop.orders SELECT seq, seq % 90 + 0.5 FROM shop.seq_1_to_1000"

#> The job as written: `shpo` instead of `shop`. mysqldump complains on stderr, which nobody reads at 02:00, and the
#> shell reports the exit status of the last command in the pipeline: gzip's, and gzip was perfectly happy.
mysqldump --single-transaction shpo | gzip > /srv/backups/shop.sql.gz; echo "exit status: $?"

#> A file with today's date and a plausible name is there. A check that only asks "does the file exist?" passes.
ls -l /srv/backups/shop.sql.gz

#> Even an integrity check passes: the file is a perfectly valid gzip file. It just holds nothing worth having.
gzip -t /srv/backups/shop.sql.gz && echo "gzip says the file is fine"

#> The dump stopped after its header. A finished mysqldump file ends with a `-- Dump completed` line; this one does
#> not.
zcat /srv/backups/shop.sql.gz | tail -n 2

#> `pipefail` makes a pipeline fail when any command in it fails, not only the last one. Put it (with `set -eu`) at
#> the top of every backup script.
set -o pipefail

#> The same mistake now returns mysqldump's status, 2, and a script running under `set -e` stops here instead of
#> carrying on to delete yesterday's good backup.
mysqldump --single-transaction shpo | gzip > /srv/backups/shop.sql.gz; echo "exit status: $?"

#> With the right name the job succeeds, and the file ends the way a complete dump ends.
mysqldump --single-transaction shop | gzip > /srv/backups/shop.sql.gz; echo "exit status: $?"; zcat /srv/backups/shop.sql.gz | tail -n 1
