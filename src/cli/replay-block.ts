/**
 * Writes a recorded replay as a `terminal` block, ready to paste into a
 * page. Pure. Outputs and multi-line commands are YAML literal blocks, so
 * they read in the page exactly as the terminal showed them; a first line
 * that starts with a blank gets the indentation indicator (`|2`) strict YAML
 * needs for it.
 */
import { stringify } from 'yaml';

export interface RecordedStep {
  command: string;
  narration: string;
  output: string;
}

export interface RecordedReplay {
  id: string;
  title?: string;
  scenario?: string;
  description?: string;
  script: string;
  setup?: string;
  steps: RecordedStep[];
}

/**
 * A one-line YAML scalar, quoted only when YAML needs it. Never a block
 * scalar: yaml writes one for a text that starts with `...` or `---` (a
 * document marker), indented for the top level, which under a step's key
 * would not be read back.
 */
const scalar = (s: string) => stringify(s, { lineWidth: 0, blockQuote: false }).replace(/\n$/, '');

/**
 * `key: value` after `prefix` (the key's indentation, or `  - ` for the first
 * key of a list item); a literal block indented by `body` when the value has
 * several lines.
 */
function field(key: string, value: string, prefix: string, body = ' '.repeat(prefix.length + 2)): string {
  if (!value.includes('\n')) return `${prefix}${key}: ${scalar(value)}`;
  const indicator = /^[ \t]/.test(value) ? '2' : '';
  const lines = value.split('\n').map((l) => (l === '' ? '' : body + l));
  return `${prefix}${key}: |${indicator}\n${lines.join('\n')}`;
}

export function terminalBlock(r: RecordedReplay): string {
  const out: string[] = ['```terminal', `id: ${scalar(r.id)}`];
  if (r.title) out.push(field('title', r.title, ''));
  if (r.scenario) out.push(field('scenario', r.scenario, ''));
  if (r.description) out.push(field('description', r.description, ''));
  out.push('record:', field('script', r.script, '  '));
  if (r.setup) out.push(field('setup', r.setup, '  '));
  out.push('steps:');
  for (const s of r.steps) {
    out.push(field('command', s.command, '  - ', '      '));
    if (s.output !== '') out.push(field('output', s.output, '    '));
    if (s.narration) out.push(field('narration', s.narration, '    '));
  }
  out.push('```');
  return out.join('\n') + '\n';
}
