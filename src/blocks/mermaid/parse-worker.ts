/**
 * A worker thread that runs mermaid's parser on a list of diagrams
 * (`workerData: string[]`) and posts back, in order, one message per
 * diagram as soon as it is parsed: `[index, error or null]`. The course's
 * checks start it (parse.ts, `checkDiagrams`), so mermaid loads and parses on
 * the other core while pages are built, each page waiting only for its own
 * diagrams; its memory goes when the worker ends.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { parseDiagramNow, type DiagramError } from './parse.ts';

// Each result as soon as it is known (`[index, error or null]`): a page waits only for its own diagrams.
for (const [i, source] of (workerData as string[]).entries()) {
  const e: DiagramError | null = (await parseDiagramNow(source)) ?? null;
  parentPort?.postMessage([i, e]);
}
