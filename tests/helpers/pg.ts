/**
 * A PostgreSQL server for tests of the results store on PostgreSQL: the one
 * DRILLBOOK_TEST_DATABASE_URL names (CI's, started by scripts/test-all.sh),
 * or a throwaway cluster of our own (initdb, loopback only) for the file's
 * tests, stopped after them. Call at the top of a file or a describe block;
 * the returned function gives the server's URL once beforeAll has run.
 */
import { afterAll, beforeAll } from 'vitest';
import { startPgCluster, type PgCluster } from '../../src/store/pg-cluster.ts';

export function testPostgres(when: () => boolean = () => true): () => string {
  let cluster: PgCluster | undefined;
  let base = '';
  beforeAll(async () => {
    if (!when()) return;
    base = process.env['DRILLBOOK_TEST_DATABASE_URL'] ?? '';
    if (!base) {
      cluster = await startPgCluster();
      base = cluster.url;
    }
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  }, 60_000);
  return () => base;
}
