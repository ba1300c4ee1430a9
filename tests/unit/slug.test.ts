/** Heading ids as MkDocs (Python-Markdown toc) makes them, and links that must land on them. */
import { describe, expect, it } from 'vitest';
import { HeadingIds, slugify } from '../../src/lesson/slug.ts';
import { fixture } from '../helpers/fixtures.ts';
import { seen } from './support.ts';

describe('slugify (Python-Markdown)', () => {
  it.each([
    ['Backup & Restore', 'backup-restore'],
    ['pg_dump / pg_restore', 'pg_dump-pg_restore'],
    ['Step 1 — Prepare', 'step-1-prepare'],
    ['Point-in-time recovery (PITR)', 'point-in-time-recovery-pitr'],
    ['  Mount   points  ', 'mount-points'],
    ['Café crème', 'cafe-creme'],
    ['Что такое бэкап', ''],
  ])('%s → "%s"', (text, id) => {
    expect(slugify(text)).toBe(id);
  });

  it('numbers repeats _1, _2 and gives an empty slug an id of its own', () => {
    const ids = new HeadingIds();
    expect(['Overview', 'Overview', 'Overview', 'Что', 'Что'].map((t) => ids.slug(t))).toEqual([
      'overview',
      'overview_1',
      'overview_2',
      '_1',
      '_2',
    ]);
  });
});

describe('the heading-ids fixture page', () => {
  const page = fixture('page/heading-ids.md');

  it('gives its headings the ids MkDocs gives them (these feed the on-page table of contents too)', () => {
    expect(page.headings.map((h) => [h.text, h.id])).toEqual([
      ['Backup & Restore', 'backup-restore'],
      ['pg_dump / pg_restore', 'pg_dump-pg_restore'],
      ['Step 1 — Prepare', 'step-1-prepare'],
      ['Overview', 'overview'],
      ['Overview', 'overview_1'],
      ['Restore drill', 'restore-drill'],
    ]);
    expect(page.titleId).toBe('heading-ids');
  });

  it('lands every link on an id of the page it points into', () => {
    expect(page.problems).toEqual([]);
  });
});

describe('links whose anchor lands on nothing', () => {
  it('are reported on their line, naming the anchor and the ids the target page has', () => {
    const p = fixture('page/links-and-images.md').problems.find((x) => x.name === 'LinkAnchorMissing');
    expect(p && seen(p)).toEqual({
      name: 'LinkAnchorMissing',
      severity: 'warning',
      file: 'page/links-and-images.md',
      line: 30,
      block: 'link',
      path: '',
      message: 'Link to "Other%20Notes/target%20page.md#mount_points": that page has no heading or element with the id "mount_points".',
    });
    expect(p?.hint).toBe(
      'Heading ids follow MkDocs: lower case, punctuation dropped, spaces as "-", a repeated heading gets "_1", "_2". Heading ids there: mount-points.',
    );
  });
});
