/**
 * The info string of a fenced code block as MkDocs Material courses write it
 * (pymdownx.superfences and highlight): the language, then options —
 *
 *   ``` sql title="restore.sql" hl_lines="2 4-6" linenums="10"
 *   ``` { .sql .no-copy title="restore.sql" }      (attr_list form)
 *
 * `title` is shown above the code, `hl_lines` are marked, `linenums` numbers
 * the lines from its first value, the class `no-copy` leaves out the copy
 * button. Anything else is ignored, as MkDocs ignores options it does not know.
 */

export interface FenceInfo {
  /** The language (the first word, or the attr_list form's first class); undefined when none. */
  lang: string | undefined;
  title: string | undefined;
  /** Lines to mark, 1-based, ascending, each once. */
  hlLines: number[];
  /** The number of the first line when lines are numbered. */
  linenums: number | undefined;
  noCopy: boolean;
}

/** Words and `key="value"` / `key='value'` / `key=value` options, in order. */
const TOKEN = /([\w-]+)=(?:"([^"]*)"|'([^']*)'|(\S+))|(\S+)/g;

/** Reads `hl_lines="1 3-5"` (ranges allowed; numbers past 10 000 and reversed ranges are ignored). */
export function parseLineList(spec: string): number[] {
  const out = new Set<number>();
  for (const part of spec.split(/[\s,]+/)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) continue;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (from < 1 || to < from || to > 10_000) continue;
    for (let n = from; n <= to; n++) out.add(n);
  }
  return [...out].sort((a, b) => a - b);
}

/** The info string's parts; `lang` and `meta` as CommonMark split them (first word, rest). */
export function parseFenceInfo(lang: string | null | undefined, meta: string | null | undefined): FenceInfo {
  let info = [lang ?? '', meta ?? ''].join(' ').trim();
  const braced = info.startsWith('{') && info.endsWith('}');
  if (braced) info = info.slice(1, -1);
  const out: FenceInfo = { lang: undefined, title: undefined, hlLines: [], linenums: undefined, noCopy: false };
  let first = true;
  for (const m of info.matchAll(TOKEN)) {
    const [, key, dq, sq, bare, word] = m;
    if (word !== undefined) {
      if (braced && word.startsWith('.')) {
        const cls = word.slice(1);
        if (cls === 'no-copy') out.noCopy = true;
        else out.lang ??= cls;
      } else if (!braced && first) out.lang = word;
    } else {
      const value = dq ?? sq ?? bare ?? '';
      if (key === 'title') out.title = value;
      else if (key === 'hl_lines') out.hlLines = parseLineList(value);
      else if (key === 'linenums') {
        const start = Number(value.trim().split(/\s+/)[0]);
        if (Number.isInteger(start) && start >= 0) out.linenums = start;
      }
    }
    first = false;
  }
  return out;
}
