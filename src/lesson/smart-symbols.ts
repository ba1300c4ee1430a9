/**
 * pymdownx.smartsymbols, for courses whose mkdocs.yml turns it on: typed
 * sequences shown as the symbol MkDocs shows for them — (tm) ™, (c) ©,
 * (r) ®, c/o ℅, +/- ±, --> →, <-- ←, <--> ↔, =/= ≠, common fractions
 * (1/2 ½ …) and ordinals (1st with "st" raised). Each group can be turned
 * off by its option in mkdocs.yml (`arrows: false`, …), as in MkDocs. Only
 * text is changed: code, raw HTML and block fields are left as written.
 * Off unless the course's mkdocs.yml lists the extension, since it changes
 * what the author typed. Pure: mdast in, mdast out.
 */
import type { PhrasingContent, Root } from 'mdast';
import { findAndReplace, type ReplaceFunction } from 'mdast-util-find-and-replace';

/** Which groups of symbols are replaced (each on unless mkdocs.yml sets it to false). */
export interface SmartSymbols {
  trademark: boolean;
  copyright: boolean;
  registered: boolean;
  care_of: boolean;
  plusminus: boolean;
  arrows: boolean;
  notequal: boolean;
  fractions: boolean;
  ordinal_numbers: boolean;
}

const GROUPS: (keyof SmartSymbols)[] = [
  'trademark',
  'copyright',
  'registered',
  'care_of',
  'plusminus',
  'arrows',
  'notequal',
  'fractions',
  'ordinal_numbers',
];

/** The groups from the extension's options in mkdocs.yml (`{}` when it is listed without options). */
export function smartSymbolsOf(options: Record<string, unknown>): SmartSymbols {
  return Object.fromEntries(GROUPS.map((g) => [g, options[g] !== false])) as unknown as SmartSymbols;
}

const FRACTIONS: Record<string, string> = {
  '1/4': '¼',
  '1/2': '½',
  '3/4': '¾',
  '1/3': '⅓',
  '2/3': '⅔',
  '1/5': '⅕',
  '2/5': '⅖',
  '3/5': '⅗',
  '4/5': '⅘',
  '1/6': '⅙',
  '5/6': '⅚',
  '1/8': '⅛',
  '3/8': '⅜',
  '5/8': '⅝',
  '7/8': '⅞',
};

/** The suffix English gives `n` (1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st …). */
function ordinalSuffix(n: string): string {
  const tens = n.length > 1 ? n[n.length - 2] : '';
  const last = n[n.length - 1];
  if (tens === '1') return 'th';
  return last === '1' ? 'st' : last === '2' ? 'nd' : last === '3' ? 'rd' : 'th';
}

export function applySmartSymbols(tree: Root, on: SmartSymbols): void {
  const pairs: [RegExp, string | ReplaceFunction][] = [];
  const literal = (enabled: boolean, pattern: RegExp, symbol: string) => {
    if (enabled) pairs.push([pattern, symbol]);
  };
  literal(on.trademark, /\(tm\)/g, '™');
  literal(on.copyright, /\(c\)/g, '©');
  literal(on.registered, /\(r\)/g, '®');
  literal(on.care_of, /\bc\/o\b/g, '℅');
  literal(on.plusminus, /\+\/-/g, '±');
  literal(on.notequal, /=\/=/g, '≠');
  if (on.arrows) {
    // The two-way arrow first; a longer run of dashes (---> or <---) is not an arrow.
    literal(true, /<-->/g, '↔');
    pairs.push([/(?<!-)-->/g, '→']);
    pairs.push([/<--(?!-)/g, '←']);
  }
  if (on.fractions) {
    // A fraction on its own, not part of a longer number, a date or a path (11/2, 1/2/2024, /1/2).
    pairs.push([/(?<![\w/.])(\d\/\d)(?![\w/])/g, (whole: string, f: string) => FRACTIONS[f] ?? false]);
  }
  if (on.ordinal_numbers) {
    pairs.push([
      /\b(\d+)(st|nd|rd|th)\b/g,
      (_: string, n: string, suffix: string) =>
        suffix === ordinalSuffix(n)
          ? ([
              { type: 'text', value: n },
              { type: 'superscript', data: { hName: 'sup' }, children: [{ type: 'text', value: suffix }] },
            ] as unknown as PhrasingContent[])
          : false,
    ]);
  }
  if (pairs.length > 0) findAndReplace(tree, pairs);
}
