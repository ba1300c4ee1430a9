/**
 * YAML reading for block bodies and front matter, with file-relative
 * locations for errors and for field paths.
 *
 * The strict parser (`yaml`) reads first. Real courses were written for
 * MkDocs, whose PyYAML accepts some text the strict parser rejects (a quoted
 * string or a [...] list continued on a line indented no deeper than its
 * key); when the strict parse fails, js-yaml reads the text again and, if it
 * succeeds, its value is used and the result says where and why (`lenient`),
 * so the caller can warn. Text both parsers reject stays an error.
 */
import { load as loadLenient, CORE_SCHEMA } from 'js-yaml';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Alias, type Document, type Node, type YAMLError } from 'yaml';

/** Why strict YAML tools reject text that the lenient reading accepted. */
export interface LenientReading {
  /** File line strict parsers stop at. */
  line: number;
  /** quoted: a quoted string continued too far left; flow: a [...] or {...} continued too far left. */
  fix: 'quoted' | 'flow' | 'other';
  /** What is wrong, in a few words (no trailing period). */
  detail: string;
}

export type YamlResult =
  | { ok: true; value: unknown; locate: (path: (string | number)[]) => number | undefined; lenient?: LenientReading | undefined }
  | { ok: false; detail: string; line: number; blockScalars?: BlockScalarFix[] | undefined };

/** A `|` or `>` block scalar whose first line is indented deeper than the next ones, and how to fix it. */
export interface BlockScalarFix {
  /** File line of the key that opens the scalar. */
  line: number;
  /** The indentation indicator that makes it valid (`|2`); undefined when it would have to exceed 9, which YAML does not allow. */
  indicator: number | undefined;
  /** The indicator it would need (more than 9 when `indicator` is undefined). */
  needed: number;
}

/** Most aliases one document may expand (the strict parser's limit; guards against alias bombs). */
const MAX_ALIASES = 100;
/** Most values a leniently read document may expand to (js-yaml shares aliased values instead of counting them). */
const MAX_LENIENT_NODES = 100_000;

/**
 * Parses `text` whose first line is line `firstLine` of the file.
 * `locate(path)` gives the file line of the node at a data path, when known.
 */
export function readYaml(text: string, firstLine: number): YamlResult {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: false });
  const fileLine = (offset: number) => firstLine + counter.linePos(offset).line - 1;
  // The line of the node at `path`; for a mapping entry, the line of its key.
  const locate = (path: (string | number)[]): number | undefined => {
    let node: unknown = doc.contents;
    let last: number | undefined;
    let keyAt: number | undefined;
    for (const key of path) {
      keyAt = undefined;
      const at = rangeStart(node);
      if (at !== undefined) last = at;
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key));
        if (!pair) break;
        keyAt = rangeStart(pair.key);
        if (keyAt !== undefined) last = keyAt;
        node = pair.value;
      } else if (isSeq(node) && typeof key === 'number') {
        node = node.items[key];
      } else break;
    }
    const at = keyAt ?? rangeStart(node);
    if (at !== undefined) last = at;
    return last === undefined ? undefined : fileLine(last);
  };

  const err = doc.errors[0];
  if (err) {
    const line = fileLine(err.pos[0]);
    const lenient = readLeniently(text);
    if (lenient.ok) return { ok: true, value: lenient.value, locate, lenient: whyNotStrict(err, line) };
    const detail = `${firstSentence(err.message)} (line ${line})`;
    const fixes = blockScalarFixes(text, firstLine);
    return { ok: false, detail, line, ...(fixes.length > 0 ? { blockScalars: fixes } : {}) };
  }

  const aliases: Alias[] = [];
  visit(doc, {
    Alias: (_key, node) => {
      aliases.push(node);
    },
  });
  const unresolved = aliases.find((a) => a.resolve(doc) === undefined);
  if (unresolved) {
    const line = fileLine(rangeStart(unresolved) ?? 0);
    return {
      ok: false,
      detail: `"*${unresolved.source}" is read as an alias, but no anchor "&${unresolved.source}" is set before it; quote text that starts with "*" (line ${line})`,
      line,
    };
  }
  try {
    return { ok: true, value: toJs(doc), locate };
  } catch (e) {
    // With every alias resolvable, the strict parser refuses only an alias bomb.
    const line = fileLine(rangeStart(aliases[0]) ?? 0);
    const detail =
      aliases.length > 0 ? `Too many aliases: expanding them would make more than ${MAX_ALIASES} copies` : firstSentence(String(e));
    return { ok: false, detail: `${detail} (line ${line})`, line };
  }
}

function toJs(doc: Document): unknown {
  return doc.toJS({ maxAliasCount: MAX_ALIASES });
}

/** js-yaml with the core schema, as the strict parser reads: dates stay strings, a repeated key keeps its last value. */
function readLeniently(text: string): { ok: true; value: unknown } | { ok: false } {
  let value: unknown;
  try {
    value = loadLenient(text, { schema: CORE_SCHEMA, json: true });
  } catch {
    return { ok: false };
  }
  return expandedSize(value, MAX_LENIENT_NODES) <= MAX_LENIENT_NODES ? { ok: true, value } : { ok: false };
}

/** Counts values as a walk over `v` would meet them (aliased values once per use), stopping past `limit`. */
function expandedSize(v: unknown, limit: number): number {
  let n = 0;
  const walk = (x: unknown) => {
    if (++n > limit || x === null || typeof x !== 'object') return;
    for (const c of Array.isArray(x) ? x : Object.values(x)) walk(c);
  };
  walk(v);
  return n;
}

function whyNotStrict(err: YAMLError, line: number): LenientReading {
  if (err.code === 'MISSING_CHAR' && /^Missing closing .?quote/.test(err.message)) {
    // The strict parser stops at the end of the last line it accepted; the next one is too far left.
    return { line: line + 1, fix: 'quoted', detail: 'a quoted text continues on a line indented no deeper than its key' };
  }
  const flow = /^Flow (sequence|map) in block collection must be sufficiently indented/.exec(err.message);
  if (err.code === 'BAD_INDENT' && flow) {
    const what = flow[1] === 'sequence' ? 'a [...] list' : 'a {...} mapping';
    return { line, fix: 'flow', detail: `${what} continues on a line indented no deeper than its key` };
  }
  return { line, fix: 'other', detail: firstSentence(err.message) };
}

function rangeStart(node: unknown): number | undefined {
  const n = node as Node | null | undefined;
  return n && Array.isArray(n.range) ? n.range[0] : undefined;
}

function firstSentence(msg: string): string {
  const one = msg.split('\n')[0] ?? msg;
  return one.replace(/ at line \d+, column \d+:?$/, '').trim();
}

/** The largest indentation indicator YAML allows (a single digit). */
const MAX_INDICATOR = 9;

/**
 * Detects the real-world fault of a block scalar whose first content line is
 * indented deeper than the next ones (column-aligned psql output), for every
 * such scalar of the text, with the indentation indicator that makes each
 * valid (none when it would have to exceed 9). `firstLine` is the file line
 * of the text's first line.
 */
export function blockScalarFixes(text: string, firstLine = 1): BlockScalarFix[] {
  const out: BlockScalarFix[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const m = /^((?:\s*- )*\s*)[\w-]+:\s*[|>][+-]?\s*(?:#.*)?$/.exec(lines[i] as string);
    if (!m) continue;
    // The mapping's indentation is where its key starts (after any "- ").
    const keyIndent = (m[1] as string).length;
    const body: string[] = [];
    for (let j = i + 1; j < lines.length; j++) {
      const l = lines[j] as string;
      if (l.trim() === '') continue;
      // The scalar ends at the next line no deeper than its key (a sibling key after "- " included).
      if (l.search(/\S/) <= keyIndent) break;
      body.push(l);
    }
    if (body.length < 2) continue;
    const first = (body[0] as string).search(/\S/);
    const rest = Math.min(...body.slice(1).map((l) => l.search(/\S/)));
    if (first > rest && rest > keyIndent) {
      const needed = rest - keyIndent;
      out.push({ line: firstLine + i, indicator: needed <= MAX_INDICATOR ? needed : undefined, needed });
    }
  }
  return out;
}

/** The indicator for the first mis-indented block scalar of `text`, if one fixes it. */
export function blockScalarIndentFix(text: string): number | undefined {
  return blockScalarFixes(text)[0]?.indicator;
}

/** Drops null values from mappings (YAML `key:` with nothing after it reads as null; authors mean "not given"). */
export function dropNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropNulls);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== null) out[k] = dropNulls(x);
    return out;
  }
  return v;
}
