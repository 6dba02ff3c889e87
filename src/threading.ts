// Copyright the threading for Deno authors. MIT license.
/**
 * The library as TypeScript modules: every export of `mod.ts`, from the modules of
 * `src/`. This is what `deno task build` bundles into `src/_bundle/threading.js`, the
 * one minified file that `mod.ts` loads (a thread's Worker holds about 4 MB less of it
 * than of these modules: see the README's "The cost of a thread"), and it gives that
 * bundle its types and its documentation. The tests import it to test the source, next
 * to internal modules of `src/`.
 *
 * Not an entry of the package: one program loads the library through one form (a second
 * copy is refused, see `_self.ts`).
 *
 * @module
 */
// First: one copy of the library per thread (these modules or the bundle; see `_self.ts`).
import "./_self.ts";
export {
  BrokenBarrierError,
  DeadlockError,
  OwnerDiedError,
  ThreadError,
} from "./errors.ts";
export { SystemExit } from "./_thread_exit.ts";
export {
  activeCount,
  currentThread,
  enumerate,
  getIdent,
  getNativeId,
  mainThread,
  shutdown,
  sleep,
  stackSize,
} from "./thread_functions.ts";
export {
  type ExceptHook,
  excepthook,
  type ExceptHookArgs,
  setExcepthook,
} from "./excepthook.ts";
export {
  type TargetArgs,
  type TargetKwargs,
  type TargetParameters,
  Thread,
  type ThreadOptions,
  TIMEOUT_MAX,
} from "./thread.ts";
export { Timer, type TimerOptions } from "./timer.ts";
export { dumpThreads, watchDeadlocks } from "./dump.ts";
// Under deno test: a non-daemon thread left running fails its test.
import "./_test_runner.ts";
export { Lock, type WaitOptions } from "./lock.ts";
export type { NotThenable } from "./_sync_callback.ts";
export { RLock } from "./rlock.ts";
export { Condition } from "./condition.ts";
export { BoundedSemaphore, Semaphore } from "./semaphore.ts";
export { Event } from "./event.ts";
export { Barrier, type BarrierAction } from "./barrier.ts";
export { local } from "./local.ts";
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
} from "./shared.ts";
export {
  LifoQueue,
  PriorityQueue,
  Queue,
  QueueEmpty,
  QueueFull,
  type QueueOptions,
  QueueShutDown,
  SimpleQueue,
} from "./queue.ts";
export * as logging from "./logging.ts";
export {
  kTravel,
  registerKind,
  type Reviver,
  type Ticket,
  type Traveller,
} from "./_codec.ts";
// The library's own exports are found as targets (`new Thread({ target: sleep })`).
import * as library from "./threading.ts";
import { setLibrary } from "./_locate.ts";
setLibrary(library);
import { setPublicApi } from "./_caller_stack.ts";
setPublicApi(library);
// Last: the Worker bootstrap (it does nothing here), so that the program's module graph
// holds every module a Worker loads, cached before the first Worker needs it (a library
// loaded over https, from JSR, on a cold cache). See `src/_pool.ts`.
import "./_worker.ts";
