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
 * @module
 */
// First: one copy of the library per thread (mod.ts or the bundle; see `src/_self.ts`).
import "./src/_self.ts";
export {
  BrokenBarrierError,
  DeadlockError,
  OwnerDiedError,
  ThreadError,
} from "./src/errors.ts";
export {
  activeCount,
  currentThread,
  enumerate,
  getIdent,
  getNativeId,
  mainThread,
  shutdown,
  sleep,
} from "./src/thread_functions.ts";
export {
  type ExceptHook,
  excepthook,
  type ExceptHookArgs,
  setExcepthook,
} from "./src/excepthook.ts";
export { Thread, type ThreadOptions, TIMEOUT_MAX } from "./src/thread.ts";
export { Timer } from "./src/timer.ts";
export { dumpThreads, watchDeadlocks } from "./src/dump.ts";
export { Lock, type WaitOptions } from "./src/lock.ts";
export { RLock } from "./src/rlock.ts";
export { Condition } from "./src/condition.ts";
export { BoundedSemaphore, Semaphore } from "./src/semaphore.ts";
export { Event } from "./src/event.ts";
export { Barrier, type BarrierAction } from "./src/barrier.ts";
export { local } from "./src/local.ts";
export {
  type JSONValue,
  Shareable,
  shared,
  SharedBigInt64,
  SharedBoolean,
  SharedFloat64,
  SharedInt32,
  SharedJSON,
  type SharedJSONOptions,
  SharedList,
} from "./src/shared.ts";
export {
  LifoQueue,
  PriorityQueue,
  Queue,
  QueueEmpty,
  QueueFull,
  type QueueOptions,
  QueueShutDown,
  SimpleQueue,
} from "./src/queue.ts";
export * as logging from "./src/logging.ts";
export {
  kTravel,
  registerKind,
  type Reviver,
  type Ticket,
  type Traveller,
} from "./src/_codec.ts";
// The library's own exports are found as targets (`new Thread({ target: sleep })`).
import * as library from "./mod.ts";
import { setLibrary } from "./src/_locate.ts";
setLibrary(library);
// Last: the Worker bootstrap (it does nothing here), so that the program's module graph
// holds every module a Worker loads, cached before the first Worker needs it (a library
// loaded over https, from JSR, on a cold cache). See `src/_pool.ts`.
import "./src/_worker.ts";
