/** Code fences in the languages backup lessons use are highlighted, never left as plain text. */
import { describe, expect, it } from 'vitest';
import { highlight, languageOf } from '../../src/render/html.ts';

describe('language names authors write', () => {
  it.each([
    ['postgresql', 'sql'],
    ['postgres', 'sql'],
    ['psql', 'sql'],
    ['plpgsql', 'sql'],
    ['pgsql', 'sql'],
    ['mariadb', 'sql'],
    ['mysql', 'sql'],
    ['sqlite', 'sql'],
    ['cfg', 'ini'],
    ['conf', 'ini'],
    ['cnf', 'ini'],
    ['my.cnf', 'ini'],
    ['crontab', 'shellscript'],
    ['env', 'dotenv'],
    ['PostgreSQL', 'sql'],
  ])('%s is highlighted as %s', (lang, grammar) => {
    expect(languageOf(lang)).toBe(grammar);
  });

  it('colours a postgresql fence as SQL and a my.cnf fence as ini', async () => {
    const sql = await highlight('SELECT pg_start_backup($$nightly$$);', 'postgresql');
    expect(sql).toContain('data-language="sql"');
    expect(sql).toMatch(/<span style="color:#[0-9a-f]{6};--shiki-dark:#[0-9a-f]{6}">SELECT<\/span>/i);
    const cnf = await highlight('[mysqld]\nlog_bin = mysql-bin', 'my.cnf');
    expect(cnf).toContain('data-language="ini"');
    expect(cnf).toMatch(/style="color:#[0-9a-f]{6};--shiki-dark:#[0-9a-f]{6}">\[mysqld\]/i);
  });
});
