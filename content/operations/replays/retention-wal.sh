#!/usr/bin/env bash
# Replay for operations/retention.md (./drillbook record, see docs/authoring.md#terminal).
#% title: Keep the WAL every kept base backup needs, and not a segment more
#% scenario: PostgreSQL 15 archives its WAL to `/srv/wal-archive`. Three nightly base backups (`base-1` to `base-3`,
#%   taken with `-X none`, so they need the archive to be restored) are in `/srv/backups`. The policy keeps the two
#%   newest.
# Preparation (not shown): archiving and three base backups with WAL switches between them.
mkdir /srv/wal-archive
psql -qc "ALTER SYSTEM SET archive_mode = on" -c "ALTER SYSTEM SET archive_command = 'test ! -f /srv/wal-archive/%f && cp %p /srv/wal-archive/%f'"
systemctl restart postgresql > /dev/null
createdb shop
psql -d shop -qc "CREATE TABLE orders AS SELECT g AS id FROM generate_series(1, 10000) g"
for n in 1 2 3; do
  psql -d shop -qc "INSERT INTO orders SELECT g FROM generate_series(1, 50000) g"
  pg_basebackup -D /srv/backups/base-$n -X none -c fast
  psql -Atc 'SELECT pg_switch_wal()' > /dev/null
done
sleep 2

#> Each backup's label names the first WAL segment it needs. Restoring it needs that segment and every one after it.
grep 'START WAL LOCATION' /srv/backups/base-*/backup_label

#> The archive holds the segments, plus a small `.backup` history file per base backup.
ls /srv/wal-archive

#> Rotation removes the oldest base backup.
rm -rf /srv/backups/base-1

#> First, the mistake, on a copy of the archive: clean up from the **newest** backup's segment. `pg_verifybackup`
#> with `--wal-directory` checks that a backup's WAL is all there; `base-2`, still kept, can no longer be restored.
cp -a /srv/wal-archive /srv/wal-copy && pg_archivecleanup /srv/wal-copy 000000010000000000000006 && pg_verifybackup --wal-directory=/srv/wal-copy /srv/backups/base-2

#> The rule: clean up from the **oldest kept** backup's first segment. A dry run (`-n`) lists what would go.
oldest=$(ls -d /srv/backups/base-* | head -n 1); seg=$(sed -n 's/^START WAL LOCATION: .*(file \(.*\))$/\1/p' "$oldest/backup_label"); echo "oldest kept: $oldest needs $seg onwards"; pg_archivecleanup -n /srv/wal-archive "$seg" | sort

#> Remove them, and check that both kept backups still have every segment they need.
pg_archivecleanup /srv/wal-archive "$seg" && for b in /srv/backups/base-*; do echo -n "$b: "; pg_verifybackup --wal-directory=/srv/wal-archive "$b"; done
