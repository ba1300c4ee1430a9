#!/usr/bin/env bash
# Replay for foundations/logical-vs-physical.md (./drillbook record, see docs/authoring.md#terminal).
#% title: A physical backup with pg_basebackup
#% scenario: Now copy the whole PostgreSQL 15 cluster at the file level, while it is running, and check what you got.
# Preparation (not shown): the shop database and its dump, as after the previous replay.
createdb shop
psql -q -d shop <<'SQL'
CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL, email text NOT NULL UNIQUE, created_at date NOT NULL);
CREATE TABLE orders (id serial PRIMARY KEY, customer_id int NOT NULL REFERENCES customers (id),
  total numeric(10,2) NOT NULL, placed_at timestamp NOT NULL);
INSERT INTO customers (name, email, created_at) VALUES ('Ana Souza', 'ana@example.com', '2024-01-15'),
  ('Ben Okafor', 'ben@example.com', '2024-02-03'), ('Chloe Martin', 'chloe@example.com', '2024-03-22');
INSERT INTO orders (customer_id, total, placed_at) VALUES (1, 42.50, '2024-04-01 10:15'),
  (1, 18.00, '2024-04-09 16:40'), (2, 99.90, '2024-04-12 09:05'), (3, 7.25, '2024-04-20 19:30');
SQL
pg_dump -Fc -f /srv/backups/shop.dump shop

#> `-D` names the target directory, which must be empty or missing. `-X stream` opens a second connection that
#> streams the WAL written during the copy into the backup, so the backup holds everything it needs to become
#> consistent. `-c fast` asks for an immediate checkpoint instead of waiting for the next scheduled one. `-P -v` print
#> progress and each phase. The temporary replication slot stops the server from recycling WAL the backup still needs.
pg_basebackup -D /srv/backups/pg-base -X stream -c fast -P -v

#> A complete data directory with the same layout as `/var/lib/postgresql/15/main`, including `postgresql.conf`:
#> in the sandbox the configuration lives in the data directory. On a Debian server it is in `/etc/postgresql/15/main`
#> instead, so the copy has no `postgresql.conf` or `pg_hba.conf` and you back up that directory as well.
ls /srv/backups/pg-base

#> These files can only be started by a PostgreSQL 15 server.
cat /srv/backups/pg-base/PG_VERSION

#> The label tells the server where recovery begins: the checkpoint taken when the backup started. On first start
#> the server replays WAL from this point until the data is consistent.
cat /srv/backups/pg-base/backup_label

#> `backup_manifest` lists every file with a checksum; `pg_verifybackup` checks the copy against it and parses the WAL
#> the backup needs. The sandbox has it on the `PATH`; on Debian run `/usr/lib/postgresql/15/bin/pg_verifybackup`.
pg_verifybackup /srv/backups/pg-base

#> Tens of megabytes against a few kilobytes for the same data. The note below explains the difference.
du -sh /srv/backups/pg-base /srv/backups/shop.dump
