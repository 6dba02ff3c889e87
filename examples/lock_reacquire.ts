// Copyright the threading for Deno authors. MIT license.
/**
 * threading_lock_reacquire: a Lock cannot be acquired twice, even by the same thread;
 * the second, non-blocking try fails.
 *
 * Run with `deno task example:lock_reacquire`.
 *
 * @module
 */
import { Lock } from "../mod.ts";

if (import.meta.main) {
  const lock = new Lock();

  console.log("First try :", lock.acquire());
  console.log("Second try:", lock.acquire(false));
}
