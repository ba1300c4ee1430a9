import type { ConsoleMessage, Locator, Page } from '@playwright/test';
import { SITES } from '../../playwright.config.ts';

export const url = (site: keyof typeof SITES, path = '/') => `http://127.0.0.1:${SITES[site].port}${path}`;

/** Collects console errors and page errors for the lifetime of `page`. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error') errors.push(`${page.url()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`${page.url()}: ${e.message}`));
  return errors;
}

/** Presses Tab (Shift+Tab with `back`), as a keyboard user would, until `target` has focus; fails after `max` presses. */
export async function tabTo(page: Page, target: Locator, { back = false, max = 200 } = {}): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
  }
  throw new Error(`${max} ${back ? 'Shift+Tab' : 'Tab'} presses never reached ${target.toString()}`);
}

/** The first Tab on a page reaches the skip link; following it starts the tab order at the content. */
export async function skipToContent(page: Page): Promise<void> {
  await page.keyboard.press('Tab');
  if (!(await page.locator('.skip-link').evaluate((el) => el === document.activeElement)))
    throw new Error('the first Tab missed the skip link');
  await page.keyboard.press('Enter');
}
