import { describe, expect, it } from 'vitest';
import { commandText, outputText, PROMPT, screenRows, stepText } from '../../src/blocks/terminal/replay.ts';

describe('terminal replay text', () => {
  it('writes a step as prompt, command and output with CRLF line ends', () => {
    expect(stepText({ command: 'ls /srv', output: 'a\nb' })).toBe(`${PROMPT}ls /srv\r\na\r\nb\r\n`);
  });

  it('gives continuation lines of a multi-line command a "> " prompt', () => {
    expect(commandText('ls \\\n  | head')).toBe('ls \\\r\n\x1b[32m>\x1b[0m   | head');
  });

  it('writes nothing for an empty output', () => {
    expect(outputText('')).toBe('');
    expect(stepText({ command: 'du -sh', output: '' })).toBe(`${PROMPT}du -sh\r\n`);
  });

  it('reserves between 6 and 20 rows for the screen', () => {
    expect(screenRows([{ command: 'a', output: '' }])).toBe(6);
    expect(screenRows([{ command: 'a', output: Array(9).fill('x').join('\n') }])).toBe(11);
    expect(screenRows([{ command: 'a', output: Array(99).fill('x').join('\n') }])).toBe(20);
  });
});
