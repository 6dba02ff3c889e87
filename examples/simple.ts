// Copyright the threading for Deno authors. MIT license.
/**
 * threading_simple: start five threads, each prints "Worker".
 *
 * Run with `deno task example:simple`.
 *
 * @module
 */
import { Thread } from "../mod.ts";

/** thread worker function */
export function worker(): void {
  console.log("Worker");
}

if (import.meta.main) {
  const threads: Thread[] = [];
  for (let i = 0; i < 5; i++) {
    const t = new Thread({ target: worker });
    threads.push(t);
    t.start();
  }
}
