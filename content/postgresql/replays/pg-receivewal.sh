#!/usr/bin/env bash
# Replay for postgresql/wal-archiving.md (./drillbook record, see docs/authoring.md#terminal).
#% title: Streaming WAL with pg_receivewal and a replication slot
#% scenario: PostgreSQL 15. Instead of an archive_command, `pg_receivewal` connects like a standby and writes the WAL
#%   into `/srv/wal-stream` as it is generated. A replication slot makes the server keep WAL the receiver has not
#%   yet received.
# Preparation (not shown): a database to write to.
createdb shop
psql -d shop -qc "CREATE TABLE orders (id int, total numeric)"
mkdir /srv/wal-stream

#> Create the slot once. From now on the server keeps every WAL segment from the slot's position onward until a
#> receiver using the slot confirms it.
pg_receivewal --create-slot --slot=walstream

#> Start the receiver, in the background here; in production a service on the backup host, restarted if it stops.
(pg_receivewal -D /srv/wal-stream --slot=walstream > /srv/wal-stream.log 2>&1 &)

#> Once the receiver is connected, write, close the segment, and wait for the receiver to finish it. It writes a
#> segment as `.partial` while it is still being filled, then renames it. Unlike archive_command, it has every change
#> within moments, not only finished segments. (The listing leaves out the new `.partial` file, which may or may not
#> have been started yet.)
until [ "$(psql -Atc 'SELECT active FROM pg_replication_slots')" = t ]; do sleep 0.2; done; psql -d shop -qc "INSERT INTO orders SELECT g, g FROM generate_series(1, 10000) g" && psql -Atc 'SELECT pg_switch_wal()' > /dev/null && until [ -f /srv/wal-stream/000000010000000000000001 ]; do sleep 0.2; done; ls /srv/wal-stream | grep -v '\.partial$'

#> The slot is in use, and the WAL it holds back is little.
psql -x -c 'SELECT slot_name, active, wal_status FROM pg_replication_slots'

#> The danger of a slot: stop the receiver and keep writing. Nothing may be removed until the receiver comes back,
#> however long that takes.
pkill pg_receivewal; for i in 1 2 3; do psql -d shop -qc "INSERT INTO orders SELECT g, g FROM generate_series(1, 100000) g"; psql -Atc 'SELECT pg_switch_wal()' > /dev/null; done

#> The slot is inactive and holds back every segment written since. With the default `max_slot_wal_keep_size = -1`
#> there is no limit: a receiver that is down for a weekend can fill the disk and stop the server. Set a limit and
#> alert on `active = false`.
psql -x -c "SELECT active, wal_status, pg_size_pretty(pg_current_wal_lsn() - restart_lsn) AS held_back, current_setting('max_slot_wal_keep_size') AS limit FROM pg_replication_slots"
