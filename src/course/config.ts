/**
 * Site configuration: the `site` settings of src/config/settings.ts, read in
 * one place (builds, checks and the Astro config call these).
 */
import { resolve } from 'node:path';
import { readSettings } from '../config/settings.ts';

const site = () => readSettings(process.env);

export function contentDir(): string {
  return resolve(site().DRILLBOOK_CONTENT);
}

export function siteBase(): string {
  const b = site().DRILLBOOK_BASE;
  return `/${b.replace(/^\/+|\/+$/g, '')}/`.replace('//', '/');
}

export function strictBuild(): boolean {
  return site().DRILLBOOK_STRICT ?? false;
}

export function siteOutDir(): string {
  return resolve(site().DRILLBOOK_OUT);
}

export function cacheDir(): string {
  return resolve(site().DRILLBOOK_CACHE_DIR);
}
