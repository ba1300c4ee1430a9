/**
 * `drillbook settings [--write]`: the README's configuration tables,
 * generated from src/config/settings.ts. Prints them; `--write` replaces the
 * tables between the `<!-- settings:GROUP -->` markers in README.md (a unit
 * test fails while they differ).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { settingsTable, type SettingGroup } from '../config/settings.ts';

const GROUPS: SettingGroup[] = ['server', 'sandbox', 'site'];

export function runSettings(args: string[]): number {
  let write = false;
  try {
    write = parseArgs({ args, options: { write: { type: 'boolean' } }, strict: true }).values.write ?? false;
  } catch (e) {
    process.stderr.write(`drillbook settings: ${(e as Error).message}. usage: drillbook settings [--write]\n`);
    return 2;
  }
  if (!write) {
    for (const g of GROUPS) process.stdout.write(`${g}:\n\n${settingsTable(g)}\n\n`);
    return 0;
  }
  let readme = readFileSync('README.md', 'utf8');
  for (const g of GROUPS) {
    const re = new RegExp(`(<!-- settings:${g} -->\\n\\n)[\\s\\S]*?(\\n\\n<!-- /settings:${g} -->)`);
    if (!re.test(readme)) {
      process.stderr.write(`drillbook settings: README.md has no <!-- settings:${g} --> ... <!-- /settings:${g} --> markers\n`);
      return 1;
    }
    readme = readme.replace(re, (_m, a: string, b: string) => `${a}${settingsTable(g)}${b}`);
  }
  writeFileSync('README.md', readme);
  process.stdout.write('README.md: configuration tables updated\n');
  return 0;
}
