#!/usr/bin/env bash
# Replay for mariadb/mysqldump.md (./drillbook record, see docs/authoring.md#terminal).
#% title: Accounts travel separately, and DEFINERs need them
#% scenario: MariaDB 10.11. The application's account `app` has privileges on `shop` and a role, `reporting`;
#%   the view `shop.big_orders` was created with `DEFINER = app`. You dump the database and the accounts, then act
#%   out a restore onto a server that has never heard of `app`.
# Preparation (not shown): the sandbox's stray root@sandbox account goes (see the note), then the data and accounts.
mariadb -e "DROP USER IF EXISTS 'root'@'sandbox'"
mariadb <<'SQL'
CREATE DATABASE shop;
CREATE TABLE shop.orders (id INT PRIMARY KEY, total DECIMAL(8,2) NOT NULL);
INSERT INTO shop.orders SELECT seq, seq % 90 + 0.5 FROM shop.seq_1_to_1000;
CREATE USER 'app'@'localhost' IDENTIFIED BY 'app-password-1';
GRANT SELECT, INSERT, UPDATE, DELETE ON shop.* TO 'app'@'localhost';
CREATE ROLE reporting;
GRANT SELECT ON shop.* TO reporting;
GRANT reporting TO 'app'@'localhost';
SET DEFAULT ROLE reporting FOR 'app'@'localhost';
CREATE DEFINER = 'app'@'localhost' SQL SECURITY DEFINER VIEW shop.big_orders AS SELECT * FROM shop.orders WHERE total > 80;
SQL

#> A database dump never holds accounts: they live in the `mysql` system database. MariaDB's mysqldump writes them
#> as portable SQL with `--system=users`; `--insert-ignore` turns each `CREATE USER` into `CREATE USER IF NOT
#> EXISTS`, so loading the file on a server that already has `root` does not stop at the first line.
mysqldump --system=users --insert-ignore > /srv/backups/users.sql

#> Everything about `app`: the account with its password hash, its privileges, its role and default role.
grep -E "app|reporting" /srv/backups/users.sql | grep -v '^/\*!80001'

#> The database dump names `app` too, as the view's definer: the account whose privileges the view runs with.
mysqldump --databases shop > /srv/backups/shop.sql && grep -o 'DEFINER=[^ ]*' /srv/backups/shop.sql

#> Now pretend this is a new server: the account, the role and the database are gone.
mariadb -e "DROP USER 'app'@'localhost'; DROP ROLE reporting; DROP DATABASE shop"

#> The database restores without complaint, but the view cannot run: its definer does not exist.
mariadb < /srv/backups/shop.sql && mariadb -e 'SELECT COUNT(*) FROM shop.big_orders'

#> Load the accounts, and the same view works. Restore accounts first, then databases.
mariadb < /srv/backups/users.sql && mariadb -e 'SELECT COUNT(*) FROM shop.big_orders'

#> `app` logs in with its old password and gets its role, exactly as before. (The password goes in an option file,
#> not on the command line, where any user could read it in `ps`.)
printf '[client]\nuser = app\npassword = app-password-1\n' > ~/app.cnf && mariadb --defaults-extra-file=~/app.cnf -e 'SELECT CURRENT_USER(), CURRENT_ROLE()'
