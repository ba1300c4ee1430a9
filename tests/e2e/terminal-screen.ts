/**
 * Reading the sandbox panel's terminal as the learner sees it (xterm's
 * rendered rows), and typing into it, for the sandbox and lab specs.
 */
import { expect, type Page } from '@playwright/test';

/** The shell's prompt ends in `$ `; the command line follows it. */
export const PROMPT_AT_END = /\$\s*$/;

/** The terminal screen as text: one line per rendered row, trailing blanks dropped. */
export async function screen(page: Page): Promise<string> {
  const rows = await page.locator('db-sandbox .xterm-rows > div').allTextContents();
  return rows
    .map((r) => r.replace(/\u00a0/g, ' ').trimEnd())
    .join('\n')
    .trimEnd();
}

/** The screen with all whitespace removed, so commands wrapped over several rows still match. */
export const squeeze = (s: string) => s.replace(/\s+/g, '');

export async function waitForPrompt(page: Page, timeout = 30_000): Promise<void> {
  await expect.poll(() => screen(page), { timeout, message: 'the shell prompt' }).toMatch(PROMPT_AT_END);
}
