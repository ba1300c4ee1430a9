/**
 * A worker thread that runs mermaid's parser on a list of diagrams
 * (`workerData: string[]`) and posts back, in order, each one's error or
 * null. The build starts it early (parse.ts, `checkDiagrams`), so mermaid
 * loads and parses on the other core while Astro starts and bundles, and its
 * memory goes when the worker ends.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { parseDiagramNow, type DiagramError } from './parse.ts';

const out: (DiagramError | null)[] = [];
for (const source of workerData as string[]) out.push((await parseDiagramNow(source)) ?? null);
parentPort?.postMessage(out);
