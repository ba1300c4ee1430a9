/**
 * What author HTML may contain, for rehype-sanitize (hast-util-sanitize): the
 * Markdown of pages and of blocks' Markdown fields, raw HTML included.
 *
 * FORMAT.md §3 says raw HTML (div, figure, span, a, img, picture) passes
 * through, and MkDocs-style courses lean on classes and ids (admonition-like
 * divs, grids of cards, `<a name>` anchors, `style` for layout). So this
 * starts from GitHub's allow-list (the library's default) and adds layout
 * elements, media, classes, ids, `style`, `data-*` and ARIA attributes. It
 * never allows what runs script: no <script>, <iframe>, <object>, <embed>,
 * <form>, <svg> or <style>, no `on*` handler, and URLs only with http(s),
 * mailto or tel (or relative), so `javascript:` and `data:` links are
 * dropped. Ids are kept as written (no "user-content-" prefix): MkDocs
 * keeps them, and links into a page land on them.
 *
 * Drillbook's own markup in the same tree (a Mermaid fence outside a block
 * becomes <db-mermaid>, see src/blocks/mermaid/markup.ts) is allowed too: it
 * only draws the diagram source it contains, as text. So is <db-icon>, an
 * icon shortcode (src/render/icons.ts): it only names a file of an icon set;
 * and <db-tabset>, content tabs inside a list item (src/render/tabs.ts),
 * which only become radio buttons and labels around their sanitised content.
 */
import type { Options as Schema } from 'rehype-sanitize';
import { defaultSchema } from 'rehype-sanitize';

const ARIA = [
  'ariaLabel',
  'ariaLabelledBy',
  'ariaDescribedBy',
  'ariaHidden',
  'ariaLive',
  'ariaRoleDescription',
  'ariaExpanded',
  'ariaControls',
  'ariaCurrent',
];

const defaults = defaultSchema as {
  tagNames: string[];
  attributes: Record<string, NonNullable<Schema['attributes']>[string]>;
  protocols: Record<string, string[]>;
};

/** The default per-tag attribute lists without their class restrictions (any class is allowed everywhere here). */
const perTag = Object.fromEntries(
  Object.entries(defaults.attributes)
    .filter(([tag]) => tag !== '*')
    .map(([tag, list]) => [tag, list.filter((a) => !(Array.isArray(a) && a[0] === 'className'))]),
);

export const AUTHOR_HTML: Schema = {
  ...defaultSchema,
  tagNames: [
    ...defaults.tagNames,
    'figure',
    'figcaption',
    'caption',
    'colgroup',
    'col',
    'mark',
    'abbr',
    'small',
    'u',
    'cite',
    'dfn',
    'time',
    'center',
    'article',
    'aside',
    'header',
    'footer',
    'video',
    'audio',
    'track',
    'wbr',
    'db-mermaid',
    'db-icon',
    'db-tabset',
    'db-tab',
    'db-tab-label',
    'db-tab-body',
  ],
  attributes: {
    ...perTag,
    '*': [...(defaults.attributes['*'] ?? []), 'className', 'style', 'role', 'hidden', 'data*', ...ARIA],
    a: [...(perTag['a'] ?? []), 'target', 'rel', 'download'],
    img: [...(perTag['img'] ?? []), 'srcSet', 'sizes', 'loading', 'decoding'],
    source: [...(perTag['source'] ?? []), 'src', 'type', 'sizes'],
    video: ['src', 'poster', 'controls', 'muted', 'loop', 'playsInline', 'preload'],
    audio: ['src', 'controls', 'muted', 'loop', 'preload'],
    track: ['src', 'kind', 'srcLang', 'default'],
    details: [...(perTag['details'] ?? []), 'open'],
    'db-icon': ['dataIcon'],
    'db-tab': ['dataSelected'],
  },
  protocols: {
    ...defaults.protocols,
    href: ['http', 'https', 'mailto', 'tel'],
    src: ['http', 'https'],
    poster: ['http', 'https'],
  },
  clobber: [],
  clobberPrefix: '',
  // Dropped with their content (the rest keep their text when their tag is not allowed).
  strip: ['script', 'style', 'iframe', 'object', 'embed', 'template', 'noscript', 'frameset', 'frame', 'applet'],
};
