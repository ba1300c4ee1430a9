#!/usr/bin/env bash
# Replay for operations/security.md (./drillbook record, see docs/authoring.md#terminal).
#% title: Encrypt a dump to a public key with age
#% scenario: PostgreSQL 15 holds `shop`. The nightly dump is encrypted on the way to disk, so that the file is
#%   useless to anyone who gets the backup storage but not the key.
#% mask: (age1[0-9a-z]+)
#% mask: X25519 (\S+)
#% mask: ^([A-Za-z0-9+/]{40,})$
# Preparation (not shown): the database.
createdb shop
psql -d shop -qc "CREATE TABLE orders AS SELECT g AS id, (g % 90) + 0.5 AS total FROM generate_series(1, 10000) g"

#> A key pair. The private key (the identity) is what decrypts; it belongs in a password manager or vault, not on
#> the database server. In the sandbox it stays in your home directory for the demonstration.
age-keygen -o ~/backup-key.txt

#> The database server only needs the public key (the recipient), which can encrypt but never decrypt.
age-keygen -y ~/backup-key.txt > ~/backup-key.pub && cat ~/backup-key.pub

#> Dump, encrypt to the recipient, write. The unencrypted dump never touches the disk. Both sides of the pipe must
#> succeed.
pg_dump -Fc shop | age -R ~/backup-key.pub > /srv/backups/shop.dump.age; echo "${PIPESTATUS[@]}"

#> The file starts with the age header and the key exchange; everything after it is ciphertext.
head -n 2 /srv/backups/shop.dump.age

#> Someone with the file and the public key, but not the private key, gets nothing out of it.
age -d /srv/backups/shop.dump.age > /dev/null

#> With the identity, decrypt straight into pg_restore and check what comes back. Test this regularly: an encrypted
#> backup whose key is lost is no backup at all.
createdb shop_check && age -d -i ~/backup-key.txt /srv/backups/shop.dump.age | pg_restore -d shop_check && psql -d shop_check -Atc 'SELECT count(*) FROM orders'
