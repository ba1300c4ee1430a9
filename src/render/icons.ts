/**
 * Icon shortcodes as Material for MkDocs shows them (its emoji extension with
 * the bundled icon sets): `:material-database:`, `:fontawesome-brands-github:`,
 * `:octicons-heart-fill-24:`, `:simple-postgresql:` become the icon, inline,
 * in the text's colour. The parser marks each shortcode as a <db-icon>
 * holding its text (markdown.ts, applyIcons); after the page's HTML is
 * sanitised, each is replaced here by the set's SVG, read from the npm
 * package Material builds its own copy from (@mdi/svg, @fortawesome/
 * fontawesome-free, @primer/octicons, simple-icons). A name the set does not
 * have stays as written, as Material leaves it.
 *
 * The SVG is the package's file, never the author's: the name only chooses
 * a file, and only names of letters, digits and dashes are looked up, inside
 * the set's own folder. Ids are dropped (two uses of one icon on a page would
 * repeat them), and the icon is hidden from screen readers; its wrapper is an
 * image named after the icon, so an icon-only link still has a name.
 */
import type { Element, ElementContent, Root as HastRoot } from 'hast';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fromHtml } from 'hast-util-from-html';
import { toHtml } from 'hast-util-to-html';
import { visit } from 'unist-util-visit';

/** A shortcode's name, without its colons, as the parser marks it. */
export const ICON_NAME = /^(?:material|fontawesome-(?:brands|regular|solid)|octicons|simple)-[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** Each set's prefix, its package and the folder of its SVG files. */
const SETS: { prefix: string; pkg: string; dir: string }[] = [
  { prefix: 'material-', pkg: '@mdi/svg', dir: 'svg' },
  { prefix: 'fontawesome-brands-', pkg: '@fortawesome/fontawesome-free', dir: 'svgs/brands' },
  { prefix: 'fontawesome-regular-', pkg: '@fortawesome/fontawesome-free', dir: 'svgs/regular' },
  { prefix: 'fontawesome-solid-', pkg: '@fortawesome/fontawesome-free', dir: 'svgs/solid' },
  { prefix: 'octicons-', pkg: '@primer/octicons', dir: 'build/svg' },
  { prefix: 'simple-', pkg: 'simple-icons', dir: 'icons' },
];

const packageDirs = new Map<string, string | null>();

/**
 * An icon package's folder. Tried from this module, then from the working
 * directory's package.json: the copy of this module Astro bundles into the
 * pages may sit outside the project (DRILLBOOK_OUT elsewhere).
 */
function packageDir(pkg: string): string | null {
  if (!packageDirs.has(pkg)) {
    let found: string | null = null;
    for (const from of [import.meta.url, join(process.cwd(), 'package.json')]) {
      try {
        // Packages with an exports map do not export package.json: resolve one of their files instead.
        found = dirname(createRequire(from).resolve(`${pkg}/package.json`));
        break;
      } catch {
        try {
          found = dirname(dirname(createRequire(from).resolve(`${pkg}/icons/postgresql.svg`)));
          break;
        } catch {
          /* next place */
        }
      }
    }
    packageDirs.set(pkg, found);
  }
  return packageDirs.get(pkg) ?? null;
}

const svgs = new Map<string, Element | null>();

/** The icon `name` names (without colons) as an SVG element, or null when no set has it. */
export function iconSvg(name: string): Element | null {
  if (!ICON_NAME.test(name)) return null;
  if (svgs.has(name)) return svgs.get(name) ?? null;
  let svg: Element | null = null;
  for (const set of SETS) {
    if (!name.startsWith(set.prefix)) continue;
    const dir = packageDir(set.pkg);
    if (!dir) throw new Error(`The icon package ${set.pkg} is not installed (npm ci installs it)`);
    let text: string;
    try {
      text = readFileSync(join(dir, set.dir, `${name.slice(set.prefix.length)}.svg`), 'utf8');
    } catch {
      continue;
    }
    const el = fromHtml(text, { fragment: true, space: 'svg' }).children.find(
      (c): c is Element => c.type === 'element' && c.tagName === 'svg',
    );
    if (!el) continue;
    for (const p of ['id', 'role', 'width', 'height']) delete el.properties[p];
    el.children = el.children.filter((c) => !(c.type === 'element' && c.tagName === 'title'));
    el.properties['ariaHidden'] = 'true';
    el.properties['focusable'] = 'false';
    visit(el, 'element', (n) => {
      delete n.properties['id'];
    });
    svg = el;
    break;
  }
  svgs.set(name, svg);
  return svg;
}

/** The words an icon's name says, for its accessible name: `octicons-heart-fill-24` → "heart fill". */
export function iconLabel(name: string): string {
  const set = SETS.find((s) => name.startsWith(s.prefix));
  const rest = set ? name.slice(set.prefix.length) : name;
  return rest
    .split('-')
    .filter((w) => !/^\d+$/.test(w))
    .join(' ');
}

/** The element an icon shows as: Material's `twemoji` span around the SVG. */
export function iconElement(name: string, className: string[] = []): Element | null {
  const svg = iconSvg(name);
  if (!svg) return null;
  return {
    type: 'element',
    tagName: 'span',
    properties: { className: ['twemoji', ...className], role: 'img', ariaLabel: iconLabel(name) },
    children: [structuredClone(svg)],
  };
}

/**
 * Replaces every <db-icon> of a sanitised tree with its icon (keeping the
 * classes an attribute list gave it); when no set has it, with the text
 * inside (raw HTML's) or else the shortcode as written.
 */
export function renderIcons(tree: HastRoot | Element): void {
  visit(tree, 'element', (node, index, parent) => {
    if (node.tagName !== 'db-icon' || index === undefined || !parent) return;
    const name = String(node.properties['dataIcon'] ?? '');
    const className = ([] as unknown[]).concat(node.properties['className'] ?? []).map(String);
    const icon = iconElement(name, className);
    const asWritten: ElementContent[] = node.children.length > 0 ? node.children : [{ type: 'text', value: `:${name}:` }];
    const replacement: ElementContent[] = icon ? [icon] : asWritten;
    parent.children.splice(index, 1, ...replacement);
    return index + replacement.length;
  });
}

// In a title's HTML (escaped text and <code> elements): a shortcode outside code.
const SHORTCODE_IN_HTML = /:([a-z0-9]+(?:-[a-z0-9]+)+):/g;

/**
 * A title's HTML (inlineText's output: escaped text, <code>, <strong>, <br>)
 * with icon shortcodes outside code shown as icons, as Material shows them
 * in tab and admonition titles (`=== ":material-apple: macOS"`).
 */
export function iconsInTitleHtml(html: string): string {
  if (!html.includes(':')) return html;
  return html
    .split(/(<code>[\s\S]*?<\/code>)/)
    .map((part) =>
      part.startsWith('<code>')
        ? part
        : part.replace(SHORTCODE_IN_HTML, (whole, name: string) => {
            const icon = iconElement(name);
            return icon ? toHtml(icon) : whole;
          }),
    )
    .join('');
}
