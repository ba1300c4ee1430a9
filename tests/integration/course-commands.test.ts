/**
 * Commands courses type, verbatim, into a real sandbox terminal (issue 14,
 * part 5): a PITR procedure written for PostgreSQL 16's paths, Debian's
 * accounts and tools (su, sudo -i, chown mysql:mysql, crontab, journalctl,
 * pg_lsclusters), backups written outside /var, another host, a password for
 * root, and the learner's view of their limits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Learner, skipReason, startServer, stripAnsi, TEST_LIMITS, type Terminal, type TestServer } from './harness.ts';

const reason = await skipReason();
if (reason) console.warn(`skipping course-command tests: ${reason}`);

describe.skipIf(reason)('commands courses type', () => {
  let server: TestServer;
  let t: Terminal;

  // A PITR exercise keeps a broken data directory, a base backup, a restored one and 16 MB WAL segments: the default disk.
  const limits = { ...TEST_LIMITS, diskBytes: 512 * 2 ** 20 };

  beforeAll(async () => {
    server = await startServer({ limits });
    const learner = new Learner(server);
    await learner.open();
    t = await learner.terminal();
  });
  afterAll(async () => {
    t?.close();
    await server?.close();
  });

  it('the first lines say what the sandbox is and its limits; free shows the sandbox, not the host', async () => {
    await t.until(() => t.output.includes('Limits: 768 MB memory, 512 MB disk in /var'), 10_000, 'welcome line');
    const r = await t.run('free -m 2>&1 | head -3');
    expect(r.out).toContain("sandbox: this sandbox's memory (its limit and use), not the host's");
    const total = Number(/^Mem:\s+(\d+)/m.exec(r.out)?.[1]);
    expect(total).toBe(limits.memoryBytes / 2 ** 20);
  });

  it("df shows the sandbox's areas with their limits, not the host's disks", async () => {
    await t.until(() => t.output.includes('free and df -h show what is used.'), 10_000, 'the welcome line naming df -h');
    const r = await t.run('df -h');
    expect(r.out.split('\n')[0]).toBe(
      "sandbox: this sandbox's own areas and limits, not the host's disks (/var and the backup folders share the disk limit)",
    );
    const rows = r.out
      .trim()
      .split('\n')
      .slice(2)
      .map((l) => l.split(/\s+/));
    expect(rows.map((c) => c.at(-1))).toEqual(['/var', '/srv', '/backup', '/backups', '/data', '/mnt', '/tmp', '/run', '/dev/shm']);
    for (const c of rows.slice(0, 6)) expect(c[1]).toBe('512M');
    for (const c of rows.slice(6)) expect(c[1]).toBe('64M');
    const one = await t.run('df -B1M --output=size,target /var/lib/mysql | tail -1');
    expect(one.out.trim().split(/\s+/)).toEqual(['512', '/var']);
  });

  it('a PITR procedure written for PostgreSQL 16 paths works, with one notice', async () => {
    const steps = [
      'sudo mkdir -p /backup/wal && sudo chown -R postgres:postgres /backup',
      `echo "archive_mode = on" | sudo tee /etc/postgresql/16/main/conf.d/archive.conf`,
      `echo "archive_command = 'test ! -f /backup/wal/%f && cp %p /backup/wal/%f'" | sudo tee -a /etc/postgresql/16/main/conf.d/archive.conf`,
      'sudo systemctl restart postgresql@16-main',
      `sudo -u postgres psql -qc "create table orders(id int); insert into orders values (1), (2)"`,
      'sudo -u postgres /usr/lib/postgresql/16/bin/pg_basebackup -D /backup/base -c fast',
      `sudo -u postgres psql -qc "insert into orders values (3)"`,
      `T=$(sudo -u postgres psql -Atc "select now()") && sleep 1`,
      `sudo -u postgres psql -qc "drop table orders" && sudo -u postgres psql -qAtc "select pg_switch_wal()" >/dev/null && sleep 2`,
      'sudo systemctl stop postgresql',
      'sudo mv /var/lib/postgresql/16/main /var/lib/postgresql/16/main.broken',
      'sudo cp -a /backup/base /var/lib/postgresql/16/main && sudo chown -R postgres:postgres /var/lib/postgresql/16/main && sudo chmod 700 /var/lib/postgresql/16/main',
      `printf "restore_command = 'cp /backup/wal/%%f %%p'\\nrecovery_target_time = '%s'\\nrecovery_target_action = 'promote'\\n" "$T" | sudo tee /etc/postgresql/16/main/conf.d/recovery.conf`,
      'sudo -u postgres touch /var/lib/postgresql/16/main/recovery.signal',
      'sudo systemctl start postgresql@16-main',
    ];
    for (const s of steps) {
      const r = await t.run(s, 90_000);
      expect(r.code, `${s}\n${r.out}`).toBe(0);
    }
    const rows = await t.run('sudo -u postgres psql -Atc "select count(*) from orders"');
    expect(rows.out).toContain('\n3\n');
    expect(t.output).toContain(
      "sandbox: this sandbox runs PostgreSQL 15: paths for version 16 (/usr/lib/postgresql/16, /var/lib/postgresql/16, /etc/postgresql/16) lead to 15's",
    );
    const state = await t.run('/usr/lib/postgresql/16/bin/pg_controldata /var/lib/postgresql/16/main | grep "cluster state"');
    expect(state.out).toMatch(/in production/);
  });

  it("Debian's accounts and tools: chown mysql:mysql, su - postgres, sudo -i, journalctl, pg_lsclusters, systemctl daemon-reload", async () => {
    const r = await t.run(
      [
        'sudo chown -R mysql:mysql /var/lib/mysql && echo chown-ok',
        `su - postgres -c 'psql -Atc "select 1"'`,
        'sudo -i -u postgres whoami',
        'sudo journalctl -u postgresql -n 2 --no-pager | wc -l',
        'pg_lsclusters | tail -1',
        'sudo systemctl daemon-reload && sudo systemctl enable mariadb && echo reloaded',
      ].join('; '),
    );
    expect(r.out).toContain('chown-ok');
    expect(r.out).toContain(
      "sandbox: su runs this as learner, the sandbox's only user (postgres and mysql are other names for it; no password)\n1\n",
    );
    expect(r.out).toMatch(/\nlearner\n/);
    expect(r.out).toContain('sandbox: no journal here; showing /var/log/postgresql/postgresql-15-main.log\n2\n');
    expect(r.out).toMatch(/^15\s+main\s+5432\s+online\s+postgres\s+\/var\/lib\/postgresql\/15\/main/m);
    expect(r.out).toContain('reloaded');
  });

  it("sudo's combined flags as Debian reads them, the command's quoting kept through -i and -s", async () => {
    const sudoNotice = "sandbox: sudo runs this as learner, the sandbox's only user (it owns both servers; no password)";
    const level = Number((await t.run('echo $SHLVL')).out.trim());
    // A login shell as postgres (here: the learner), in its home, without the welcome lines again.
    const welcomes = t.output.split('Limits: 768 MB memory').length;
    t.type('sudo -iu postgres\r');
    const inner = await t.run('shopt -q login_shell && echo "login $PWD $SHLVL"');
    expect(inner.out).toContain(`login /home/learner ${level + 1}\n`);
    t.type('exit\r');
    expect((await t.run('echo $SHLVL')).out.trim()).toBe(String(level));
    expect(t.output.split('Limits: 768 MB memory').length).toBe(welcomes);
    t.type('sudo -su postgres\r');
    expect((await t.run('echo "shell $SHLVL"')).out).toContain(`shell ${level + 1}\n`);
    t.type('exit\r');
    const r = await t.run(
      [
        `sudo -Hu postgres psql -Atc "select 'H' || 'u'"`,
        `sudo -su postgres psql -Atc "select 'with ' || 's'"`,
        `sudo -i -u postgres psql -Atc 'select 1 + 1'`,
        `sudo -iu postgres psql -Atc "select 'it''s ' || current_user"`,
        `sudo -u postgres -- psql -Atc 'select 3'`,
        `sudo --user=postgres -E PGAPPNAME=from-sudo psql -Atc 'select current_setting($$application_name$$)'`,
        'sudo -s -- printf "<%s>" "a b" "\\$HOME" "c;d"',
      ].join('; '),
    );
    expect(r.out).toBe(
      [
        sudoNotice,
        'Hu',
        sudoNotice,
        'with s',
        sudoNotice,
        '2',
        sudoNotice,
        "it's postgres",
        sudoNotice,
        '3',
        sudoNotice,
        'from-sudo',
        sudoNotice,
        '<a b></home/learner><c;d>',
      ].join('\n'),
    );
  });

  it("a script handed to root (sudo chown root:root, chgrp 0) stays the learner's, with one notice", async () => {
    const r = await t.run(
      [
        `printf '#!/bin/sh\\necho backup\\n' > /usr/local/bin/rootjob.sh`,
        'sudo chown root:root /usr/local/bin/rootjob.sh 2>&1 | grep -v "^sandbox: sudo"',
        'sudo chmod 700 /usr/local/bin/rootjob.sh 2>/dev/null && chgrp 0 /usr/local/bin/rootjob.sh',
        'chown -R postgres: /backup && stat -c "%U:%G %a" /usr/local/bin/rootjob.sh && rootjob.sh',
      ].join(' && '),
    );
    const notice = "sandbox: root is the learner here (the sandbox's only user), so the files stay the learner's";
    expect(r.out).toBe(`${notice}\n${notice}\nlearner:learner 700\nbackup\n`);
  });

  it('crontab keeps entries and says once that nothing fires here', async () => {
    const r = await t.run(`echo "30 2 * * * /usr/local/bin/nightly-backup.sh" | crontab - && crontab -l`);
    expect(r.out).toContain('sandbox: no cron daemon runs in this sandbox: entries are kept (crontab -l shows them) but never run');
    expect(r.out).toContain('30 2 * * * /usr/local/bin/nightly-backup.sh');
  });

  it('reload and promote as Debian spells them; crontab -u postgres; the system cron tables take entries, with one notice', async () => {
    // What the commands print, without the stderr notices (sudo's, the version hint).
    const quiet = (commands: string[]) => `{ ${commands.join('; ')}; } 2>/dev/null`;
    const reload = await t.run(
      quiet([
        'sudo rm -f /etc/postgresql/16/main/conf.d/recovery.conf',
        'echo "log_min_duration_statement = 250" | sudo tee /etc/postgresql/16/main/conf.d/slow.conf >/dev/null',
        'sudo systemctl reload postgresql 2>/dev/null && psql -Atc "show log_min_duration_statement"',
        'echo "log_min_duration_statement = 300" | sudo tee /etc/postgresql/16/main/conf.d/slow.conf >/dev/null',
        'sudo service postgresql reload 2>/dev/null && psql -Atc "show log_min_duration_statement"',
        'sudo systemctl reload mariadb.service 2>/dev/null && mysql -Nse "select 1 + 1"',
        'sudo service mysql reload 2>/dev/null && echo mysql-reloaded',
        'sudo pg_ctlcluster 16 main reload 2>/dev/null && echo cluster-reloaded',
      ]),
    );
    expect(reload.out).toBe('250ms\n300ms\n2\nmysql-reloaded\nserver signaled\ncluster-reloaded\n');
    // A standby (no primary to follow) promoted as on Debian.
    const promote = await t.run(
      quiet([
        'sudo systemctl stop postgresql && touch /var/lib/postgresql/15/main/standby.signal && sudo systemctl start postgresql',
        'psql -Atc "select pg_is_in_recovery()"',
        'sudo pg_ctlcluster 16 main promote',
        'psql -Atc "select pg_is_in_recovery()"',
      ]),
      60_000,
    );
    expect(promote.out).toBe('t\nwaiting for server to promote.... done\nserver promoted\nf\n');
    const cron = await t.run(
      [
        'echo "15 1 * * * pg_dumpall > /backup/all.sql" | sudo crontab -u postgres -',
        'sudo crontab -u postgres -l',
        `printf '#!/bin/sh\\necho "0 4 * * * /usr/local/bin/nightly.sh" >> "$1"\\n' > /usr/local/bin/add-entry && chmod +x /usr/local/bin/add-entry`,
        'VISUAL=add-entry crontab -e -u postgres',
        'crontab -l',
        'echo "0 2 * * * postgres /usr/local/bin/backup.sh" | sudo tee /etc/cron.d/pg-backup >/dev/null',
        'cat /etc/cron.d/pg-backup',
        'crontab -u nobody-here -l',
      ].join('; '),
    );
    expect(cron.out).toBe(
      [
        "sandbox: sudo runs this as learner, the sandbox's only user (it owns both servers; no password)",
        "sandbox: postgres's crontab is the learner's here (the sandbox's only user)",
        "sandbox: sudo runs this as learner, the sandbox's only user (it owns both servers; no password)",
        "sandbox: postgres's crontab is the learner's here (the sandbox's only user)",
        '15 1 * * * pg_dumpall > /backup/all.sql',
        "sandbox: postgres's crontab is the learner's here (the sandbox's only user)",
        'crontab: installing new crontab',
        '15 1 * * * pg_dumpall > /backup/all.sql',
        '0 4 * * * /usr/local/bin/nightly.sh',
        'sandbox: no cron daemon runs in this sandbox: /etc/cron.d, /etc/crontab and /etc/cron.daily keep what is written there but nothing runs',
        "sandbox: sudo runs this as learner, the sandbox's only user (it owns both servers; no password)",
        '0 2 * * * postgres /usr/local/bin/backup.sh',
        "crontab: user 'nobody-here' unknown",
        '',
      ].join('\n'),
    );
  });

  it("MariaDB's configuration is edited as on Debian: conf.d and mariadb.conf.d, read at restart", async () => {
    const r = await t.run(
      [
        `printf "[mysqld]\\nmax_connections = 77\\n" | sudo tee /etc/mysql/conf.d/tuning.cnf >/dev/null`,
        `sudo sed -i "/^\\[mysqld\\]/a binlog_expire_logs_seconds = 86400" /etc/mysql/mariadb.conf.d/50-server.cnf`,
        'sudo systemctl restart mariadb',
        `mysql -Nse "select @@max_connections, @@binlog_expire_logs_seconds"`,
        'sudo rm /etc/mysql/conf.d/tuning.cnf && sudo systemctl restart mariadb && mysql -Nse "select @@max_connections"',
      ]
        .map((c) => `{ ${c}; } 2>/dev/null`)
        .join('; '),
    );
    expect(r.out).toBe('77\t86400\n40\n');
  });

  it('nano and htop run in the terminal; EDITOR is nano, so crontab -e opens it', async () => {
    const r = await t.run('command -v nano htop; echo "$EDITOR $VISUAL"');
    expect(r.out).toBe('/usr/bin/nano\n/usr/bin/htop\nnano nano\n');
    const from = t.output.length;
    t.type('crontab -e\r');
    await t.until(() => t.output.slice(from).includes('GNU nano'), 10_000, 'nano');
    // A new first line (nano opens at the top of what the table holds).
    t.type('0 5 * * * /usr/local/bin/nightly-dump.sh\r');
    t.type('\x0f'); // ^O: write out
    await t.until(() => t.output.slice(from).includes('File Name to Write'), 10_000, "nano's file name prompt");
    t.type('\r');
    t.type('\x18'); // ^X: exit
    await t.until(() => t.output.slice(from).includes('crontab: installing new crontab'), 10_000, 'crontab installing');
    expect((await t.run('crontab -l | grep nightly-dump')).out).toBe('0 5 * * * /usr/local/bin/nightly-dump.sh\n');
    const top = t.output.length;
    t.type('htop\r');
    await t.until(() => /F10\s*Quit/.test(stripAnsi(t.output.slice(top))), 10_000, 'htop');
    t.type('q');
    expect((await t.run('echo htop-ended')).out).toBe('htop-ended\n');
  });

  it('mysql -u root -p needs no password; mysqlpump runs mysqldump', async () => {
    const r = await t.run(
      `mysql -u root -p -Nse "select 41 + 1"; mysqlpump --default-parallelism=4 mysql > /backup/pump.sql && grep -c "CREATE TABLE" /backup/pump.sql`,
    );
    expect(r.out).toContain('sandbox: root has no password here, so the password option is not needed (ignored)\n42\n');
    expect(r.out).toContain(
      'sandbox: mysqlpump is not part of MariaDB (MySQL removed it in 8.4); running mysqldump without --default-parallelism=4',
    );
    expect(Number(r.out.trim().split('\n').at(-1))).toBeGreaterThan(5);
  });

  it("a password typed for root is not needed by any MariaDB tool; a course's own account and a root given a password keep theirs", async () => {
    const notice = 'sandbox: root has no password here, so the password option is not needed (ignored)';
    const setup = await t.run(
      `mysql -e "create database shop; create table shop.t (id int primary key); insert into shop.t values (1), (2); ` +
        `create user bk@localhost identified by 'Bk-pass-1'; grant all on shop.* to bk@localhost"`,
    );
    expect(setup.code).toBe(0);
    const steps: [command: string, output: string | RegExp][] = [
      ['mysqldump -u root -p shop | grep -c "INSERT INTO"', `${notice}\n1\n`],
      ['mysqldump -uroot -psecret shop | grep -c "INSERT INTO"', `${notice}\n1\n`],
      ['mariadb-dump --user=root --password=secret shop | grep -c "CREATE TABLE"', `${notice}\n1\n`],
      ['mysqlcheck -u root -psecret shop', `${notice}\nshop.t                                             OK\n`],
      ['mysqladmin -u root --password=secret ping', `${notice}\nmysqld is alive\n`],
      ['mysqlshow -u root -psecret shop | grep -c "| t "', `${notice}\n1\n`],
      ['mydumper -u root -p secret -B shop -o /backup/md && ls /backup/md | grep -c "^shop\\.t[.-]"', `${notice}\n2\n`],
      ['myloader -u root --password secret -d /backup/md -B shop2 && mysql -Nse "select count(*) from shop2.t"', `${notice}\n2\n`],
      [
        'mariabackup --backup --user=root --password=secret --target-dir=/backup/mb 2>&1 | sed -n "1p;\\$p"',
        /^sandbox: root has no password here, so the password option is not needed \(ignored\)\n.* completed OK!\n$/,
      ],
      // The course's own account logs in with its own password.
      [`mysql -u bk -pBk-pass-1 -Nse "select current_user()"`, 'bk@localhost\n'],
      ['mysqldump -u bk --password=Bk-pass-1 shop | grep -c "INSERT INTO"', '1\n'],
      [`mysql -u bk -pwrong -e "select 1"`, "ERROR 1045 (28000): Access denied for user 'bk'@'localhost' (using password: YES)\n"],
      // Root given a password by the learner needs it from then on.
      [`mysql -e "alter user root@localhost identified by 'R00t-pass'" && mysql -uroot -pR00t-pass -Nse "select 7"`, '7\n'],
      [`mysql -uroot -pwrong -Nse "select 8" 2>&1 | grep -c "Access denied"`, '1\n'],
      [`mysql -uroot -pR00t-pass -e "alter user root@localhost identified by ''" && mysql -Nse "select 9"`, '9\n'],
    ];
    for (const [command, output] of steps) {
      const r = await t.run(command, 30_000);
      if (output instanceof RegExp) expect(r.out, command).toMatch(output);
      else expect(r.out, command).toBe(output);
    }
  });

  it('another host fails at once, with a notice that only this sandbox is reachable', async () => {
    const r = await t.run('s=$(date +%s%N); mysql -h test-db-host -e "select 1"; echo "ms=$(( ($(date +%s%N) - s) / 1000000 ))"');
    expect(r.out).toContain('sandbox: this sandbox reaches no host but itself: "test-db-host" is unknown here; use localhost');
    expect(r.out).toMatch(/Unknown server host 'test-db-host'/);
    expect(Number(/ms=(\d+)/.exec(r.out)?.[1])).toBeLessThan(2000);
  });

  it('a spread-checkpoint pg_basebackup takes seconds', async () => {
    await t.run(`psql -qc "create table filler as select g from generate_series(1, 200000) g"`);
    const r = await t.run('s=$(date +%s); pg_basebackup -D /tmp/bb && echo "took=$(( $(date +%s) - s ))"; rm -rf /tmp/bb', 90_000);
    expect(Number(/took=(\d+)/.exec(r.out)?.[1])).toBeLessThan(10);
  });

  it('a 700 MB backup into /backup fills the disk limit, not memory: the learner is told and the sandbox lives', async () => {
    await t.run('sudo rm -rf /backup/base /backup/wal /var/lib/postgresql/15/main.broken');
    const r = await t.run('dd if=/dev/zero of=/backup/huge.img bs=1M count=700 2>&1 | grep -c "No space left on device"', 120_000);
    expect(r.out.trim()).toBe('1');
    await t.until(
      () => t.messages.some((m) => m.type === 'notice' && m.text.startsWith('Disk limit reached: /var (512 MB')),
      10_000,
      'disk notice',
    );
    await t.run('rm -f /backup/huge.img');
    const alive = await t.run('mysql -Nse "select 1" && psql -Atc "select 1"');
    expect(alive.out).toBe('1\n1\n');
    expect(t.messages.some((m) => m.type === 'closed')).toBe(false);
  });
});
