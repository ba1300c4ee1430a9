/**
 * Heading ids as MkDocs makes them (Python-Markdown's `toc` extension with
 * its default `slugify`), so `page.md#anchor` links written against an
 * MkDocs site land on the same heading here.
 */

/**
 * Python-Markdown's default slugify: NFKD, drop what is not ASCII, remove
 * characters other than word characters, spaces and "-", strip, lower-case,
 * and collapse runs of "-" and spaces into one "-".
 * `Backup & Restore` → `backup-restore`, `Step 1 — Prepare` → `step-1-prepare`.
 */
export function slugify(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[^\x00-\x7f]/g, '')
    .replace(/[^\w\s-]/g, '')
    .trim()
    .toLowerCase()
    .replace(/[-\s]+/g, '-');
}

/** Unique ids on one page, as Python-Markdown's `unique()`: a repeat gets `_1`, `_2`, ...; an empty id is `_1`. */
export class HeadingIds {
  private readonly used = new Set<string>();

  /** Reserves `id` as it is (an author's explicit id); returns it. */
  reserve(id: string): string {
    this.used.add(id);
    return id;
  }

  /** The next unique id for a heading with this text. */
  slug(text: string): string {
    return this.unique(slugify(text));
  }

  private unique(start: string): string {
    let id = start;
    while (id === '' || this.used.has(id)) {
      const m = /^(.*)_([0-9]+)$/.exec(id);
      id = m ? `${m[1]}_${Number(m[2]) + 1}` : `${id}_1`;
    }
    this.used.add(id);
    return id;
  }
}
