/**
 * MDX pages (`.mdx`): the same page, read with MDX's syntax (JSX elements,
 * `{expressions}`, `import`/`export`) instead of plain CommonMark. Pure: the
 * MDX is parsed (remark-mdx, which parses expressions with acorn), never
 * run. What runs an MDX page is the site build (src/integration/mdx-pages.ts).
 *
 * Block components (`<Quiz … />`) are data, like a fence's YAML: their props
 * must be literals (strings, numbers, booleans, and arrays and objects of
 * them), read here without running anything, so the check command validates
 * them and no expression can put anything into a block field that the
 * block's schema and text rules have not seen.
 */
import { parseExpressionAt } from 'acorn';
import type { Expression, Node as EsNode, Program } from 'estree';
import type { Root, RootContent } from 'mdast';
import type { MdxJsxFlowElement, MdxJsxTextElement } from 'mdast-util-mdx-jsx';
import remarkGfm from 'remark-gfm';
import remarkMdx from 'remark-mdx';
import remarkParse from 'remark-parse';
import { unified } from 'unified';

/** Whether a course file is an MDX page. */
export const isMdxFile = (file: string) => /\.mdx$/i.test(file);

const parser = unified().use(remarkParse).use(remarkMdx).use(remarkGfm);

export type MdxParse = { ok: true; tree: Root } | { ok: false; line: number; column: number; reason: string };

/** Parses one chunk of MDX; a syntax error comes back with its 1-based line and column in `text`. */
export function parseMdx(text: string): MdxParse {
  try {
    return { ok: true, tree: parser.runSync(parser.parse(text)) as Root };
  } catch (err) {
    const e = err as { line?: number | null; column?: number | null; reason?: string; message?: string };
    // Positions inside the message are the chunk's, not the file's: the problem carries the file's line instead.
    const reason = (e.reason ?? e.message ?? String(err)).replace(/ \(\d+:\d+(?:-\d+:\d+)?\)/g, '').replace(/\s+/g, ' ');
    return { ok: false, line: e.line ?? 1, column: e.column ?? 1, reason: reason.replace(/\.$/, '') };
  }
}

export type JsxElement = MdxJsxFlowElement | MdxJsxTextElement;

export const isJsxElement = (n: { type: string }): n is JsxElement => n.type === 'mdxJsxFlowElement' || n.type === 'mdxJsxTextElement';

/** An HTML element (`div`, `img`, `my-element`), as opposed to a component (`Quiz`, `Tabs.Item`). */
export const isIntrinsic = (name: string) => /^[a-z]/.test(name) && !name.includes('.');

/** The component name of a block type: `command-builder` → `CommandBuilder`. */
export const componentName = (type: string) =>
  type
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');

/** The value a literal expression stands for, or `ok: false` for anything that would have to run. */
export type StaticValue = { ok: true; value: unknown } | { ok: false };

/**
 * Reads a literal: strings, numbers, booleans, null, `undefined`, template
 * strings without `${}`, a minus sign on a number, and arrays and objects of
 * literals (plain keys, no spreads, no methods, no shorthand).
 *
 * `source` is the text the node was parsed from: MDX drops part of the
 * indentation of every line of an expression before parsing it, so a
 * template string spanning lines (a diagram, code) is read again from the
 * text as written.
 */
export function staticValue(node: EsNode | null | undefined, source?: string): StaticValue {
  const no: StaticValue = { ok: false };
  if (!node) return no;
  const sub = (n: EsNode | null | undefined) => staticValue(n, source);
  switch (node.type) {
    case 'Literal':
      return 'regex' in node || 'bigint' in node ? no : { ok: true, value: node.value };
    case 'TemplateLiteral': {
      if (node.expressions.length > 0) return no;
      const at = node as { start?: number; end?: number };
      if (source !== undefined && at.start !== undefined && at.end !== undefined) {
        const again = parseExpressionAt(source.slice(at.start, at.end), 0, { ecmaVersion: 'latest' });
        if (again.type === 'TemplateLiteral' && again.expressions.length === 0)
          return { ok: true, value: again.quasis.map((q) => q.value.cooked ?? q.value.raw).join('') };
      }
      return { ok: true, value: node.quasis.map((q) => q.value.cooked ?? q.value.raw).join('') };
    }
    case 'Identifier':
      return node.name === 'undefined' ? { ok: true, value: undefined } : no;
    case 'UnaryExpression': {
      if (node.operator !== '-' && node.operator !== '+') return no;
      const v = sub(node.argument);
      return v.ok && typeof v.value === 'number' ? { ok: true, value: node.operator === '-' ? -v.value : v.value } : no;
    }
    case 'ArrayExpression': {
      const out: unknown[] = [];
      for (const el of node.elements) {
        if (el === null) out.push(undefined);
        else {
          const v = el.type === 'SpreadElement' ? no : sub(el);
          if (!v.ok) return no;
          out.push(v.value);
        }
      }
      return { ok: true, value: out };
    }
    case 'ObjectExpression': {
      const out: Record<string, unknown> = {};
      for (const p of node.properties) {
        if (p.type !== 'Property' || p.computed || p.method || p.shorthand || p.kind !== 'init') return no;
        const key = p.key.type === 'Identifier' ? p.key.name : p.key.type === 'Literal' ? String(p.key.value) : undefined;
        const v = sub(p.value);
        if (key === undefined || !v.ok) return no;
        out[key] = v.value;
      }
      return { ok: true, value: out };
    }
    default:
      return no;
  }
}

/** The expression of an `{expression}` (an attribute value or a child), from the estree remark-mdx attached. */
export function expressionOf(estree: Program | null | undefined): Expression | undefined {
  const first = estree?.body[0];
  return first?.type === 'ExpressionStatement' ? first.expression : undefined;
}

export interface JsxProps {
  props: Record<string, unknown>;
  /** Props that are not literals: their name (`...` for a spread) and code. */
  dynamic: { name: string; code: string }[];
}

/** An element's attributes as values: `a="x"` → "x", bare `a` → true, `a={literal}` → its value; `source` as for staticValue. */
export function jsxProps(el: JsxElement, source?: string): JsxProps {
  const props: Record<string, unknown> = {};
  const dynamic: JsxProps['dynamic'] = [];
  for (const a of el.attributes) {
    if (a.type === 'mdxJsxExpressionAttribute') {
      dynamic.push({ name: '...', code: a.value });
      continue;
    }
    if (a.value === null || a.value === undefined) props[a.name] = true;
    else if (typeof a.value === 'string') props[a.name] = a.value;
    else {
      const v = staticValue(expressionOf(a.value.data?.estree), source);
      if (v.ok) props[a.name] = v.value;
      else dynamic.push({ name: a.name, code: a.value.value });
    }
  }
  return { props, dynamic };
}

/** One `import` of the page. */
export interface MdxImport {
  /** The module as written: `./Callout.astro`, `@astrojs/starlight/components`. */
  source: string;
  /** The names it binds on the page. */
  names: string[];
  /** 1-based line in the chunk. */
  line: number;
}

/** The imports of an ESM node, and every name it binds (imports, exported declarations). */
export function esmBindings(estree: Program | null | undefined): { imports: MdxImport[]; names: string[] } {
  const imports: MdxImport[] = [];
  const names: string[] = [];
  for (const s of estree?.body ?? []) {
    if (s.type === 'ImportDeclaration') {
      const bound = s.specifiers.map((x) => x.local.name);
      names.push(...bound);
      imports.push({ source: String(s.source.value), names: bound, line: s.loc?.start.line ?? 1 });
    } else if (s.type === 'ExportNamedDeclaration' && s.declaration) {
      const d = s.declaration;
      if (d.type === 'VariableDeclaration') for (const v of d.declarations) if (v.id.type === 'Identifier') names.push(v.id.name);
      if ((d.type === 'FunctionDeclaration' || d.type === 'ClassDeclaration') && d.id) names.push(d.id.name);
    }
  }
  return { imports, names };
}

/** Whether a subtree holds MDX constructs (JSX, expressions, ESM) that only the MDX compiler can render. */
export function hasMdx(node: Root | RootContent): boolean {
  if (node.type.startsWith('mdx')) return true;
  return 'children' in node && (node.children as RootContent[]).some(hasMdx);
}
