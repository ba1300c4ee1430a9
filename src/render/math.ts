/**
 * TeX math typeset at build time with KaTeX (as pymdownx.arithmatex pages
 * show it once MathJax or KaTeX runs in the browser): every
 * `span.arithmatex` / `div.arithmatex` of the sanitised prose — the math
 * nodes src/lesson/math.ts makes, or arithmatex's own markup written as raw
 * HTML — gets KaTeX's HTML and MathML. Added after the sanitiser: KaTeX's
 * output is ours, made from the TeX as text, with `trust` off (no
 * \href/\url to javascript:, no \htmlClass or \includegraphics), and a
 * size and macro-expansion cap so no formula can make a build hang. A
 * formula KaTeX cannot read shows its TeX in red with KaTeX's message, as
 * the browser library does. The page loads KaTeX's styles and fonts
 * (published under _drillbook/katex/) only when it has math.
 */
import type { Element, ElementContent, Root as HastRoot } from 'hast';
import { fromHtml } from 'hast-util-from-html';
import { toString } from 'hast-util-to-string';
import katex from 'katex';
import { SKIP, visit } from 'unist-util-visit';

/** The TeX of an element as arithmatex writes it: its text, without `\(...\)` / `\[...\]` around it. */
function texOf(el: Element): string {
  const text = toString(el).trim();
  const m = /^\\\(([\s\S]*)\\\)$/.exec(text) ?? /^\\\[([\s\S]*)\\\]$/.exec(text) ?? /^\$\$([\s\S]*)\$\$$/.exec(text);
  return (m ? (m[1] as string) : text).trim();
}

export function typeset(tex: string, display: boolean): ElementContent[] {
  const html = katex.renderToString(tex, {
    displayMode: display,
    throwOnError: false,
    output: 'htmlAndMathml',
    trust: false,
    strict: 'ignore',
    maxSize: 50,
    maxExpand: 1000,
  });
  return fromHtml(html, { fragment: true }).children as ElementContent[];
}

/** Typesets every arithmatex element of `tree` in place; returns how many. */
export function renderMath(tree: HastRoot): number {
  let n = 0;
  visit(tree, 'element', (node: Element) => {
    if (node.tagName !== 'span' && node.tagName !== 'div') return;
    const classes = ([] as unknown[]).concat(node.properties['className'] ?? []).map(String);
    if (!classes.includes('arithmatex')) return;
    const display = node.tagName === 'div' || classes.includes('arithmatex-display');
    node.children = typeset(texOf(node), display);
    n++;
    return SKIP;
  });
  return n;
}
