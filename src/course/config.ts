/**
 * Site configuration from the environment, read in one place.
 * DRILLBOOK_CONTENT: the course folder (default ./content).
 * DRILLBOOK_BASE: the URL path the site is served under (default /).
 * DRILLBOOK_STRICT=1: fail the build on any content error.
 * DRILLBOOK_OUT: where the built site goes (default ./dist).
 */
import { resolve } from 'node:path';

export function contentDir(): string {
  return resolve(process.env['DRILLBOOK_CONTENT'] || 'content');
}

export function siteBase(): string {
  const b = process.env['DRILLBOOK_BASE'] || '/';
  return `/${b.replace(/^\/+|\/+$/g, '')}/`.replace('//', '/');
}

export function strictBuild(): boolean {
  return process.env['DRILLBOOK_STRICT'] === '1';
}

export function siteOutDir(): string {
  return resolve(process.env['DRILLBOOK_OUT'] || 'dist');
}
