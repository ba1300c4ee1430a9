#!/usr/bin/env bash
# Replay for postgresql/wal-archiving.md (./drillbook record, see docs/authoring.md#terminal).
#% title: An archive_command that fails, seen and fixed
#% scenario: PostgreSQL 15. Archiving is switched on with an archive_command that copies each finished WAL segment to
#%   `/srv/wal-archive`, a directory that nobody has created yet.
# Preparation (not shown): a database with some data.
createdb shop
psql -d shop -qc "CREATE TABLE orders AS SELECT g AS id, (g % 90) + 0.5 AS total FROM generate_series(1, 50000) g"

#> Switch archiving on. `archive_mode` needs a restart; `archive_command` only a reload. The command refuses to
#> overwrite a file that is already in the archive (`test ! -f`), and its exit status tells PostgreSQL whether the
#> segment is safe.
psql -qc "ALTER SYSTEM SET archive_mode = on" -c "ALTER SYSTEM SET archive_command = 'test ! -f /srv/wal-archive/%f && cp %p /srv/wal-archive/%f'" && systemctl restart postgresql

#> Close the current WAL segment, so that it is ready to archive.
psql -Atc 'SELECT pg_switch_wal()'

#> Wait for the archiver's third attempt (a few seconds): nothing archived, three failures. Nothing is lost yet, and
#> nothing is protected either.
until [ "$(psql -Atc 'SELECT failed_count FROM pg_stat_archiver')" -ge 3 ]; do sleep 0.5; done; psql -x -c 'SELECT archived_count, failed_count, last_failed_wal FROM pg_stat_archiver'

#> The server log says so. After three failures in a row the archiver waits a minute before it tries again.
grep -E 'archive command failed|too many times' /var/log/postgresql/postgresql-15-main.log | tail -n 2

#> The segment stays in `pg_wal`, marked `.ready`, until archiving succeeds: a broken archive_command makes `pg_wal`
#> grow until the disk is full, and then the server stops.
ls /var/lib/postgresql/15/main/pg_wal/archive_status/

#> Fix the cause. A configuration reload also wakes the archiver, so it does not wait out its minute.
mkdir /srv/wal-archive && psql -Atc 'SELECT pg_reload_conf()' && until [ "$(psql -Atc 'SELECT archived_count FROM pg_stat_archiver')" -ge 1 ]; do sleep 0.5; done; ls /srv/wal-archive

#> Archived. `failed_count` keeps counting from the last statistics reset: alert on `last_failed_time` being newer than
#> `last_archived_time`, not on the count.
psql -x -c 'SELECT archived_count, last_archived_wal, failed_count, last_failed_time < last_archived_time AS recovered FROM pg_stat_archiver'
