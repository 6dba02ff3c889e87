// Copyright the threading for Deno authors. MIT license.
/**
 * The statistics the report judges by: the median of the rounds, and their spread.
 * One run on a shared VM is not a measurement (the same workload swings 2–4× between
 * runs), so every row of the report shows the median of its rounds with the spread
 * beside it, and every goal is judged on the median.
 *
 * @module
 */

/**
 * The median of `values` (the mean of the two middle ones for an even count).
 *
 * @returns `NaN` for an empty list.
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * The spread of `values`: half their range, as a fraction of their median (0.1 reads
 * "±10%").
 *
 * @returns `NaN` for an empty list or a median of 0.
 */
export function spread(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const m = median(values);
  if (m === 0) return NaN;
  return (Math.max(...values) - Math.min(...values)) / 2 / Math.abs(m);
}

/** "±12%" (or "±0%" for one value, "" when unknown), with the number of rounds. */
export function spreadText(values: readonly number[]): string {
  const s = spread(values);
  if (Number.isNaN(s)) return "";
  return `±${(s * 100).toFixed(s < 0.1 ? 1 : 0)}% (${values.length})`;
}
