// Copyright the threading for Deno authors. MIT license.
/**
 * threading_simpleargs: pass each thread an argument that tells it what to do.
 *
 * Run with `deno task example:simpleargs`.
 *
 * @module
 */
import { Thread } from "../mod.ts";

/** thread worker function */
export function worker(num: number): void {
  console.log(`Worker: ${num}`);
}

if (import.meta.main) {
  const threads: Thread[] = [];
  for (let i = 0; i < 5; i++) {
    const t = new Thread({ target: worker, args: [i] });
    threads.push(t);
    t.start();
  }
}
