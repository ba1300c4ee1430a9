/**
 * The two stream formats of the Docker Engine API the driver reads:
 * - attach/exec output without a TTY: frames of an 8-byte header (stream
 *   type 1 stdout or 2 stderr, three zero bytes, the payload length as a
 *   big-endian u32) and the payload;
 * - events and stats: one JSON object per line.
 */
import { StringDecoder } from 'node:string_decoder';

/** Splits Docker's multiplexed stream into stdout and stderr chunks. */
export class Demuxer {
  private pending: Buffer = Buffer.alloc(0);
  private readonly out: (b: Buffer) => void;
  private readonly err: (b: Buffer) => void;

  constructor(out: (b: Buffer) => void, err: (b: Buffer) => void) {
    this.out = out;
    this.err = err;
  }

  push(chunk: Buffer): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (this.pending.length >= 8) {
      const len = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + len) return;
      const type = this.pending[0];
      const payload = this.pending.subarray(8, 8 + len);
      this.pending = this.pending.subarray(8 + len);
      if (type === 2) this.err(payload);
      else this.out(payload);
    }
  }
}

/** Feeds a readable stream through a Demuxer. */
export function demux(stream: NodeJS.ReadableStream, out: (b: Buffer) => void, err: (b: Buffer) => void): Demuxer {
  const d = new Demuxer(out, err);
  stream.on('data', (b: Buffer) => d.push(b));
  return d;
}

/** Calls `each` with every JSON object of a line-delimited stream (lines that are not JSON are skipped). */
export function jsonLines<T>(stream: NodeJS.ReadableStream, each: (value: T) => void): void {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  stream.on('data', (b: Buffer) => {
    rest += decoder.write(b);
    let nl: number;
    while ((nl = rest.indexOf('\n')) >= 0) {
      const line = rest.slice(0, nl).trim();
      rest = rest.slice(nl + 1);
      if (!line) continue;
      let value: T;
      try {
        value = JSON.parse(line) as T;
      } catch {
        continue;
      }
      each(value);
    }
  });
}

/**
 * `p`, or `fallback` once `ms` pass, whichever comes first; the timer is
 * cleared either way, so a settled race never keeps the process alive.
 */
export function within<T, F>(p: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<F>((ok) => {
    timer = setTimeout(() => ok(fallback), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
