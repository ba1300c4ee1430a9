/**
 * The course's tools, run for real inside a sandbox through the terminal
 * protocol, exactly as a learner types them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Learner, skipReason, startServer, type Terminal, type TestServer } from './harness.ts';

const reason = await skipReason();
if (reason) console.warn(`skipping sandbox tool tests: ${reason}`);

describe.skipIf(reason)('tools in a sandbox', () => {
  let server: TestServer;
  let term: Terminal;

  beforeAll(async () => {
    server = await startServer();
    const learner = new Learner(server);
    await learner.open();
    term = await learner.terminal();
  });
  afterAll(async () => {
    term?.close();
    await server?.close();
  });

  it('pg_dump -Fc writes an archive that pg_restore --list reads', async () => {
    const setup = await term.run(
      `createdb -h localhost -U postgres shop && psql -h localhost -U postgres -d shop -qc "create table orders(id int primary key, total numeric); insert into orders select g, g*1.5 from generate_series(1,500) g"`,
    );
    expect(setup.code).toBe(0);
    const dump = await term.run('pg_dump -h localhost -U postgres -Fc -f shop.dump shop && pg_restore --list shop.dump');
    expect(dump.code).toBe(0);
    expect(dump.out).toMatch(/TABLE public orders postgres/);
    expect(dump.out).toMatch(/TABLE DATA public orders postgres/);
  });

  it('mysqldump --single-transaction dumps the rows of a live database', async () => {
    await term.run(
      `mysql -e "create database shop; use shop; create table orders(id int primary key, total decimal(8,2)); insert into orders select seq, seq*1.5 from seq_1_to_500"`,
    );
    const r = await term.run(
      'mysqldump --single-transaction --routines --triggers shop > shop.sql && grep -c "INSERT INTO .orders." shop.sql && tail -1 shop.sql',
    );
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^[1-9]\d*$/m);
    expect(r.out).toContain('-- Dump completed');
  });

  it('mysqldump accepts the MySQL 8 spelling --source-data and says so in one line', async () => {
    const r = await term.run(
      'mysqldump --single-transaction --source-data=2 --set-gtid-purged=OFF shop 2>err.txt | grep -m1 "CHANGE MASTER"; cat err.txt',
    );
    expect(r.code).toBe(0);
    expect(r.out).toContain('-- CHANGE MASTER TO MASTER_LOG_FILE=');
    expect(r.out).toContain(
      "sandbox: MariaDB's mysqldump: --source-data is spelled --master-data here; --set-gtid-purged=OFF ignored: MariaDB has no such option (its GTIDs differ; see --gtid)",
    );
  });

  it('mysqldump drops --set-gtid-purged given with a separate value, keeping the database argument', async () => {
    const r = await term.run('mysqldump --set-gtid-purged OFF shop 2>err.txt | grep -c "INSERT INTO .orders."; cat err.txt');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^[1-9]\d*$/m);
    expect(r.out).toContain(
      "sandbox: MariaDB's mysqldump: --set-gtid-purged OFF ignored: MariaDB has no such option (its GTIDs differ; see --gtid)",
    );
  });

  it('lesson commands work as written: psql as postgres by default, sudo -u postgres, /srv/backups', async () => {
    const who = await term.run('psql -Atc "select current_user"');
    expect(who.out.trim()).toBe('postgres');
    const dump = await term.run(
      'sudo -u postgres pg_dump -Fc -f /srv/backups/shop.dump shop && sudo -u postgres pg_restore --list /srv/backups/shop.dump',
    );
    expect(dump.code).toBe(0);
    expect(dump.out).toContain('sandbox: sudo runs this as learner');
    expect(dump.out).toMatch(/TABLE DATA public orders postgres/);
    // /srv is /var's file system (a bind of /var/srv): the backup counts against the disk limit.
    const where = await term.run("stat -f -c '%i %b' /srv/backups/shop.dump /var | sort -u | wc -l");
    expect(where.out.trim()).toBe('1');
  });

  it('mariabackup --backup then --prepare gives a consistent copy', async () => {
    const b = await term.run('mariabackup --backup --target-dir=/home/learner/full 2>&1 | tail -1');
    expect(b.out).toContain('completed OK!');
    const p = await term.run('mariabackup --prepare --target-dir=/home/learner/full 2>&1 | tail -1');
    expect(p.out).toContain('completed OK!');
    const files = await term.run('ls /home/learner/full/shop');
    expect(files.out).toContain('orders.ibd');
  });

  it('xtrabackup runs mariabackup and drops --apply-log-only with one note', async () => {
    const r = await term.run(
      'xtrabackup --prepare --apply-log-only --target-dir=/home/learner/full 2>&1 | grep -E "^sandbox:|completed OK"',
    );
    expect(r.out).toContain(
      "sandbox: xtrabackup runs mariabackup, MariaDB's XtraBackup-compatible tool; --apply-log-only ignored: MariaDB's prepare does not need it (incremental prepares stay appendable)",
    );
    expect(r.out).toContain('completed OK!');
  });

  it('mysqlbinlog reads the live binary log', async () => {
    const r = await term.run(
      'mysqlbinlog --base64-output=decode-rows -v /var/lib/mysql/binlog.000001 > binlog.txt; grep -c "### INSERT INTO .shop.\\..orders." binlog.txt; grep -m1 "create table orders" binlog.txt',
    );
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^500\n/);
    expect(r.out).toContain('create table orders(id int primary key');
  });

  it('mydumper and myloader are on PATH', async () => {
    const r = await term.run('mydumper --version && myloader --version');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/mydumper.*\n.*myloader/);
  });

  it('a command that hangs is ended at its timeout, with everything it started', async () => {
    const sb = await server.driver.create();
    try {
      const t0 = Date.now();
      const r = await sb.exec(['bash', '-c', 'sleep 300 & sleep 301; echo never'], { timeoutMs: 1_500 });
      expect(r.timedOut).toBe(true);
      expect(r.stdout).not.toContain('never');
      expect(Date.now() - t0).toBeLessThan(5_000);
      const left = await sb.exec(['bash', '-c', 'pgrep -fc "sleep 30[01]" || true']);
      expect(left.stdout.trim()).toBe('0');
    } finally {
      await sb.destroy();
    }
  });

  it('systemctl stops and starts MariaDB', async () => {
    expect((await term.run('sudo systemctl stop mysql')).code).toBe(0);
    const down = await term.run('mysql -e "select 1"');
    expect(down.code).not.toBe(0);
    expect(down.out).toContain("Can't connect to local server through socket");
    expect((await term.run('systemctl is-active mariadb')).out.trim()).toBe('inactive');
    expect((await term.run('systemctl start mysql')).code).toBe(0);
    expect((await term.run('systemctl is-active mysql')).out.trim()).toBe('active');
    const up = await term.run('mysql -Nse "select count(*) from shop.orders"');
    expect(up.out.trim()).toBe('500');
  });

  it('systemctl stops and starts PostgreSQL', async () => {
    expect((await term.run('systemctl stop postgresql')).code).toBe(0);
    const down = await term.run('pg_isready -h localhost');
    expect(down.code).not.toBe(0);
    expect(down.out).toContain('no response');
    const stopped = await term.run('systemctl is-active postgresql');
    expect(stopped.out.trim()).toBe('inactive');
    expect(stopped.code).toBe(3);
    expect((await term.run('systemctl start postgresql')).code).toBe(0);
    expect((await term.run('systemctl status postgresql')).out).toContain('● postgresql.service - active (running)');
    const up = await term.run('psql -h localhost -U postgres -d shop -Atc "select count(*) from orders"');
    expect(up.out.trim()).toBe('500');
  });

  it('systemctl starts the S3 store on loopback only; aws puts and gets an object, and is refused another storage class', async () => {
    expect((await term.run('systemctl is-active s3')).out.trim()).toBe('inactive');
    expect((await term.run('systemctl start s3')).code).toBe(0);
    // Swift's four servers in one process: the S3 endpoint and the account, container and object servers.
    const listening = (await term.run('ss -Hltn')).out.split('\n').filter((l) => /:(8080|621[012])\b/.test(l));
    expect(listening).toHaveLength(4);
    for (const l of listening) expect(l).toMatch(/\s127\.0\.0\.1:\d+\s/);
    const s3 =
      'env AWS_ACCESS_KEY_ID=drillbook:learner AWS_SECRET_ACCESS_KEY=learner-secret AWS_DEFAULT_REGION=us-east-1 aws --endpoint-url http://127.0.0.1:8080';
    const roundTrip = await term.run(
      `${s3} s3 mb s3://tools && ${s3} s3 cp shop.dump s3://tools/shop.dump && ${s3} s3 cp s3://tools/shop.dump back.dump && cmp shop.dump back.dump && echo same`,
    );
    expect(roundTrip.code).toBe(0);
    expect(roundTrip.out).toContain('same');
    const ia = await term.run(`${s3} s3 cp shop.dump s3://tools/ia.dump --storage-class STANDARD_IA`);
    expect(ia.code).not.toBe(0);
    expect(ia.out).toContain('InvalidStorageClass');
    expect((await term.run('systemctl stop s3')).code).toBe(0);
    expect((await term.run('systemctl is-active s3')).out.trim()).toBe('inactive');
  });
});
