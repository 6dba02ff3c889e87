// Copyright the threading for Deno authors. MIT license.
/**
 * Python's `threading`, for real, on Deno: parallel threads on Workers, blocking locks
 * on SharedArrayBuffer and Atomics, with the names and the semantics Python programmers
 * know. Timeouts are in milliseconds. Thread targets are exported functions: a thread
 * imports the module that defines its target and calls it by name.
 *
 * @example A lock, an event and a shared counter across threads
 * ```ts
 * import { Event, Lock, SharedInt32, Thread } from "@threading/threading";
 * import assert from "node:assert/strict";
 *
 * const lock = new Lock();
 * const counter = new SharedInt32(0);
 * lock.with(() => counter.value++);
 * assert.equal(counter.value, 1);
 *
 * const done = new Event();
 * assert.equal(done.wait(1), false);
 * done.set();
 * assert.equal(done.isSet(), true);
 * assert.equal(new Thread({ name: "worker" }).name, "worker");
 * ```
 *
 * ## What it loads
 *
 * This module loads the library as one minified JavaScript file,
 * `src/_bundle/threading.js` (built from the TypeScript modules of `src/` by
 * `deno task build`; its types and documentation are theirs, from `src/threading.ts`).
 * Every thread is a Worker that loads the library again, and one file costs each of them
 * about 4 MB less than the TypeScript modules would (the README's "What `mod.ts`
 * loads"). Classes, their methods and the exported functions keep their names in stack
 * frames, and an error thrown at a call of yours starts its stack at your line.
 *
 * @module
 */
export * from "./src/_bundle/threading.js";
