/**
 * Content tabs' markup (pymdownx.tabbed as Material shows it): a radio
 * button per tab (the `===+` one checked, else the first), then the labels,
 * then the panels; site.css shows the checked one's panel, so tabs work
 * without script and the arrow keys move between them.
 *
 * Two kinds of tab sets come here: those of the page's prose (prose.ts, read
 * before CommonMark by admonitions.ts) and those written inside a list item
 * (read after it by nested-admonitions.ts, as <db-tabset> markup in the
 * Markdown tree). The latter pass the sanitiser first, which keeps no radio
 * button, so they are turned into this markup after it (renderNestedTabs).
 */
import type { Element, ElementContent, Root as HastRoot } from 'hast';
import { toString as hastToString } from 'hast-util-to-string';
import { visit } from 'unist-util-visit';
import { hash } from '../cache/store.ts';

export interface Tab {
  /** The label's content (our markup: escaped text, code, icons). */
  label: ElementContent[];
  /** The label as plain text, shown above the panel in print, where every panel shows. */
  text: string;
  /** Written `===+`: shown first. */
  selected: boolean;
  body: ElementContent[];
}

const el = (tagName: string, properties: Element['properties'], children: ElementContent[]): Element => ({
  type: 'element',
  tagName,
  properties,
  children,
});

/** A tab set's markup; `id` must be unique on the page (its inputs' name and ids). */
export function tabSetElement(id: string, tabs: Tab[]): Element {
  const chosen = Math.max(
    0,
    tabs.findIndex((t) => t.selected),
  );
  const inputs = tabs.map((_, i) =>
    el('input', { type: 'radio', className: ['tabbed-input'], name: id, id: `${id}-${i + 1}`, checked: i === chosen }, []),
  );
  const labels = tabs.map((tab, i) => el('label', { htmlFor: [`${id}-${i + 1}`] }, tab.label));
  const panels = tabs.map((tab) => el('div', { className: ['tabbed-block'], dataLabel: tab.text }, tab.body));
  return el('div', { className: ['tabbed-set'], dataTabs: String(tabs.length) }, [
    ...inputs,
    el('div', { className: ['tabbed-labels'] }, labels),
    el('div', { className: ['tabbed-content'] }, panels),
  ]);
}

const isElement = (n: ElementContent, tagName: string): n is Element => n.type === 'element' && n.tagName === tagName;

/**
 * Turns each <db-tabset> of a sanitised tree (nested-admonitions.ts: tabs
 * inside a list item) into a tab set. Its <db-tab> children hold a
 * <db-tab-label> and a <db-tab-body>; `data-selected` marks `===+`. Ids
 * come from the set's place in the tree and content, so they differ between
 * sets and stay the same from build to build.
 */
export function renderNestedTabs(tree: HastRoot): void {
  const found: { node: Element; index: number; parent: { children: ElementContent[] } }[] = [];
  visit(tree, 'element', (node, index, parent) => {
    if (node.tagName === 'db-tabset' && index !== undefined && parent)
      found.push({ node, index, parent: parent as { children: ElementContent[] } });
  });
  // Last first: a set inside another's panel is done before the set around it, and earlier siblings keep their index.
  for (const [n, { node, index, parent }] of [...found.entries()].reverse()) {
    const tabs: Tab[] = node.children
      .filter((c): c is Element => isElement(c, 'db-tab'))
      .map((tab) => {
        const label = tab.children.find((c): c is Element => isElement(c, 'db-tab-label'));
        const body = tab.children.find((c): c is Element => isElement(c, 'db-tab-body'));
        return {
          label: label?.children ?? [],
          text: label ? hastToString(label).trim() : '',
          selected: tab.properties['dataSelected'] !== undefined,
          body: body?.children ?? [],
        };
      });
    parent.children.splice(index, 1, tabSetElement(`tabs-n${n + 1}-${hash(JSON.stringify(node)).slice(0, 8)}`, tabs));
  }
}
