// Copyright the threading for Deno authors. MIT license.
/**
 * threading_rlock: an RLock can be acquired again by the thread that holds it.
 *
 * Run with `deno task example:rlock`.
 *
 * @module
 */
import { RLock } from "../mod.ts";

if (import.meta.main) {
  const lock = new RLock();

  console.log("First try :", lock.acquire());
  console.log("Second try:", lock.acquire(false));
}
