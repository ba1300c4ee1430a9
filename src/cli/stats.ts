/**
 * The one percentile definition every benchmark uses: nearest rank. The p-th
 * percentile of n samples is the smallest sample with at least p % of the
 * samples at or below it (sorted[ceil(p/100 · n) − 1]); always a value that
 * was measured, never an interpolation. Rounded to 0.1.
 */
export function percentile(samples: number[], p: number): number {
  return Math.round(nearestRank(samples, p) * 10) / 10;
}

/** The nearest-rank percentile, not rounded (seconds of a build). */
export function nearestRank(samples: number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** The median as every benchmark takes it: the nearest-rank 50th percentile (a sample that was measured). */
export const median = (samples: number[]) => nearestRank(samples, 50);

/** p50/p95 (and more) of samples, as the benchmarks print them. */
export function summary(samples: number[], ps: number[] = [50, 95]): Record<string, number> {
  return Object.fromEntries(ps.map((p) => [`p${p}`, percentile(samples, p)]));
}
