/** docs/errors.md lists exactly the names in the problem catalogue. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { catalogue } from '../../src/problems/catalogue.ts';

describe('docs/errors.md', () => {
  it('lists every catalogue entry and nothing else', () => {
    const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    const listed = [...doc.matchAll(/^\| `(\w+)` +\|/gm)].map((m) => m[1]);
    expect(listed.sort()).toEqual(Object.keys(catalogue).sort());
  });
});
