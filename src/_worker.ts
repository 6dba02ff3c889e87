// Copyright the threading for Deno authors. MIT license.
/**
 * The bootstrap of every Worker: a loop that takes one start job at a time from the
 * Worker's channel, finds the thread's code by reference, decodes its arguments, runs
 * it, reports through shared memory, and goes idle (warm) for the next thread.
 *
 * An idle Worker blocks in `Atomics.wait` on its `C_JOB` word and takes the job from its
 * mailbox (or with `receiveMessageOnPort`), so a warm start costs a futex round trip, not
 * an event-loop turn. Right after a thread whose starter was awake, it first spins a
 * little for the next job (see `_thread_spin.ts`).
 *
 * ## How a Worker ends, and who learns it
 *
 * The main thread may be blocked in `Atomics.wait` (a Worker's `exit` event reaches it
 * only when its event loop turns), so the Worker itself writes its end into shared
 * memory, from listeners that run however it ends:
 *
 * | how | what runs in the Worker | what it writes |
 * | --- | --- | --- |
 * | `Deno.exit(n)`/`process.exit(n)` in a running thread | nothing: they throw a `SystemExit` that unwinds the thread (`_thread_exit.ts`), which then ends silently; its Worker serves the next thread | as a thread that returns |
 * | `Deno.exit(n)` | the `unload` listener | `C_STATE` = `W_CLOSED`; the thread ends (`markEnded`) or, still loading, fails to start (`markFailed`) |
 * | `process.exit(n)` | `exit` and `unload` listeners | the same |
 * | `close()` of the worker scope | its wrapper | the same |
 * | terminated at its heap limit | the `exit` listener | the same, and the excepthook gets `RangeError: Out of memory ...` |
 * | its event loop ran empty (an async target awaits a promise that nothing can settle; a pending `Atomics.waitAsync` holds a timer, `_async_keep.ts`, so it is not one) | the `exit` listener | the same, and the excepthook gets `ThreadError: the thread's async target awaits a promise that nothing can settle ...` |
 * | an error outside `run()` | the `error`/`unhandledrejection` listeners | nothing: the excepthook gets it and the thread goes on |
 * | the bootstrap fails to load | the `data:` entry (`_pool.ts`) | a `died` note on the channel, served between the main thread's wait slices |
 *
 * The `exit` listener runs for both of the last two, with code 0 and nothing else to tell
 * them apart but the heap limit: Deno's near-heap-limit callback raises the isolate's
 * `heap_size_limit` as it terminates it, so a limit above the one measured at boot is a
 * heap-limit kill, and an unchanged one is an event loop that ran empty (as Deno's
 * "Top-level await promise never resolved" for a main module). The event loop does not
 * turn again after the listener, so the report runs the excepthook synchronously
 * (`excepthookNow`).
 *
 * While a thread loads its code (before `markRunning`), a `start()` in this Worker is
 * refused (`thread.ts`): the module it imports starts threads at its top level. A
 * primitive made then is warned about (`_warn_once.ts`). In a Worker, signal listeners
 * are refused (`_signals.ts`) and `prompt()` is defined (`_thread_prompt.ts`).
 *
 * ## Nothing of a thread outlives it
 *
 * A Worker runs one thread after another, so each job leaves nothing behind: the
 * thread's pending timers are cleared (`_thread_timers.ts`), its changes to the global
 * state (`globalThis`, `console`, listeners) undone after its end-of-task turn
 * (`_thread_globals.ts`), its Thread object, handles and `local` attributes are dropped
 * as it ends, the
 * job's message is not held while idle, and the loop ends its task (one `setImmediate`
 * turn, about 10 µs, after the thread's joiners woke) before it waits for the next job.
 * Without that turn the loop would be one endless task: V8 keeps every `WeakRef` target
 * made in a task until the task ends (KeepDuringJob: the codec's revived objects, with
 * their fields), and runs `FinalizationRegistry` clean-ups only between tasks.
 *
 * @module
 */
import { RangeError } from "./_caller_stack.ts";
import { afterEvaluation, onDenoExit, onStrayError, syncConsole } from "./_platform.ts";
import { writeWhole } from "./_output.ts";
import { guardAdvice } from "./_guard.ts";
import process from "node:process";
import { getHeapStatistics } from "node:v8";
import { setImmediate } from "node:timers";
import { receiveMessageOnPort } from "node:worker_threads";
import { bootData, current } from "./_runtime.ts";
import { decodeWire, importModule, importModules, loadedModule } from "./_codec.ts";
import { findExport } from "./_reference.ts";
import {
  ambiguousMessage,
  closureMessage,
  importGraph,
  locateExport,
  matchingExports,
  nestedDeclaration,
  notExportedMessage,
} from "./_locate.ts";
import { finishThread, prepareThread } from "./_log_config.ts";
import {
  C_IDLE_AT,
  C_JOB,
  C_STATE,
  idleStamp,
  type StartJob,
  takeMail,
  type ToWorker,
  W_BOOTING,
  W_BUSY,
  W_CLOSED,
  W_IDLE,
} from "./_protocol.ts";
import {
  bootThread,
  enterJob,
  leaveJob,
  markEnded,
  markFailed,
  markRunning,
  noteImporting,
} from "./_thread_start.ts";
import { currentThread } from "./thread_functions.ts";
import { excepthookNow, handleUncaught, prepareExcepthook } from "./excepthook.ts";
import { ThreadError } from "./errors.ts";
import { moduleFailureMessage } from "./_start_failure.ts";
import { Thread } from "./thread.ts";
import { forgetLocals } from "./local.ts";
import { runAsThread, threadOfContext, trackThreadTimers } from "./_thread_timers.ts";
import { refuseThreadSignals } from "./_signals.ts";
import { provideThreadPrompt } from "./_thread_prompt.ts";
import { checkModulePrimitives, evaluatingModule } from "./_warn_once.ts";
import { beginThreadGlobals, endThreadGlobals } from "./_thread_globals.ts";
import { endThreadResources, trackThreadResources } from "./_thread_resources.ts";
import { holdThreadWaits } from "./_async_keep.ts";
import { isSystemExit, SystemExit, unwindExits } from "./_thread_exit.ts";
import { IDLE_SPIN_MS, idleGate, idleSpin, spinWhile } from "./_thread_spin.ts";
import { BUNDLED } from "./_self.ts";
import { endIfProgramEnded } from "./_program_end.ts";
// Every primitive registers how it travels when its module is evaluated.
import "./threading.ts";

class StartError extends Error {
  // A field, not a parameter property: Node's type stripping refuses those.
  readonly kind: "TypeError" | "ThreadError";
  constructor(kind: "TypeError" | "ThreadError", message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.kind = kind;
  }
}

async function loadExport(
  modules: readonly string[],
  name: string,
  source: string | undefined,
  what: "function" | "class",
  exact = true,
): Promise<unknown> {
  if (!exact && source !== undefined) {
    // The starter could not tell the module by identity: found by name and source text
    // only if one module of the graph exports such a function (else this would guess).
    await importGraph(modules);
    const all = matchingExports(name, source, modules);
    if (all.length > 1) {
      throw new StartError(
        "TypeError",
        ambiguousMessage(
          name,
          all.map((m) => m.module),
          `name its module, as in \`new Thread({ target: ${name}, module: import.meta.resolve("./b.ts") })\` where ./b.ts is the one of those modules to run (or give the functions different names)`,
        ),
      );
    }
    if (all.length === 1) return all[0].value;
  }
  const misses: string[] = [];
  for (const url of modules) {
    let ns: Record<string, unknown>;
    try {
      loadingModule = url;
      noteImporting(url);
      evaluatingModule(url, currentThread().name);
      ns = await importModule(url);
      loadingModule = undefined;
      evaluatingModule(undefined);
    } catch (error) {
      loadingModule = undefined;
      evaluatingModule(undefined);
      // The module that threw (one `url` imports, say), where, and the error itself.
      throw new StartError("ThreadError", moduleFailureMessage(url, error), error);
    }
    const value = findExport(ns, name, source);
    if (value !== undefined) return value;
    misses.push(
      Object.hasOwn(ns, name)
        ? `${url} exports a different ${name}: the target is another function of that name (a closure, or a local function that shadows the export); a thread imports its target by name, so pass the exported ${name} itself and give it what the closure used as args`
        : `${url} does not export ${name}`,
    );
  }
  // Not where the stack points: anywhere in those modules' static import graph (a
  // target imported from ./tasks.ts, say).
  const found = await locateExport(
    modules,
    name,
    source,
    (value) => typeof value === "function",
  );
  if (found !== undefined) return found.value;
  const nested = what === "function" ? await nestedDeclaration(modules, name) : undefined;
  if (nested !== undefined) {
    throw new StartError("TypeError", closureMessage(name, nested));
  }
  const option = what === "class"
    ? `module: import.meta.resolve("./<its file>.ts")`
    : `new Thread({ target: ${name}, module: import.meta.resolve("./<its file>.ts") })`;
  throw new StartError(
    "TypeError",
    notExportedMessage(what, name, misses, option, source, modules),
  );
}

/**
 * The export that an earlier thread of this Worker already loaded, found without an
 * `await` (a warm start of the same code): undefined when a module is not loaded yet or
 * lacks it, and {@linkcode loadExport} decides.
 */
function loadedExport(
  modules: readonly string[],
  name: string,
  source: string | undefined,
): unknown {
  for (const url of modules) {
    const ns = loadedModule(url);
    if (ns === undefined) return undefined;
    const value = findExport(ns, name, source);
    if (value !== undefined) return value;
  }
  return undefined;
}

/** Makes this Worker claimable for the next thread (before its joiners wake). */
function becomeIdle(): void {
  Atomics.store(control, C_IDLE_AT, idleStamp());
  Atomics.store(control, C_STATE, W_IDLE);
}

/**
 * Whether a load since the last thread's `run()` may have evaluated modules (their
 * changes to the global state are module state: `_thread_globals.ts`).
 */
let evaluated = true;
/** How a thread's data is named in a refusal: as `start()` names it (`_thread_launch.ts`). */
const THREAD_DATA = { root: "", names: { fields: "this" } };

/** The job whose thread runs now, if any. */
let running: StartJob | undefined;
/** The job whose thread is loading its code (before its `run()`), if any. */
let loading: StartJob | undefined;
/** The module that the loading thread imports now, if any. */
let loadingModule: string | undefined;

async function runJob(job: StartJob): Promise<void> {
  enterJob(job);
  loading = job;
  let thread: Thread;
  try {
    await prepareThread(); // the app's logging setup, before the thread's modules load
    const code = job.code;
    let target: ((...args: unknown[]) => unknown) | undefined;
    let ctor: typeof Thread | undefined;
    if (code.kind === "target" && code.name !== "") {
      const exact = code.exact !== false;
      target = (exact ? loadedExport(code.modules, code.name, code.source) : undefined) as
        | ((...args: unknown[]) => unknown)
        | undefined;
      if (target === undefined || job.modules.length > 0) evaluated = true;
      target ??= await loadExport(
        code.modules,
        code.name,
        code.source,
        "function",
        exact,
      ) as never;
    } else if (code.kind === "both") {
      evaluated = true;
      target = await loadExport(
        code.targetModules,
        code.targetName,
        code.source,
        "function",
        code.exact !== false,
      ) as never;
    }
    if (code.kind !== "target") {
      evaluated = true;
      ctor = await loadExport(
        code.modules,
        code.name,
        undefined,
        "class",
      ) as typeof Thread;
      if (typeof ctor !== "function" || !(ctor.prototype instanceof Thread)) {
        throw new StartError(
          "TypeError",
          `the export ${code.name} is not a subclass of Thread in the new thread`,
        );
      }
    }
    if (job.modules.length > 0) {
      evaluatingModule(job.modules[0], currentThread().name);
      try {
        await importModules(job.modules);
      } finally {
        evaluatingModule(undefined);
      }
    }
    // Code that travels by reference (a Shareable, a Barrier's action, a function) may be
    // exported by a module that the named ones import: make those findable, here and
    // for a blocking get() of the thread (once per module per Worker; `_locate.ts`).
    await importGraph(
      code.kind === "both"
        ? [...code.modules, ...code.targetModules, ...job.modules]
        : [...code.modules, ...job.modules],
    );
    // A refusal names the argument (`args[0]`), as the sender's refusals do.
    const payload = decodeWire(job.payload, THREAD_DATA) as Parameters<
      typeof bootThread
    >[3];
    thread = bootThread(ctor, job, target, payload);
  } catch (error) {
    loading = undefined;
    becomeIdle();
    markFailed(job, {
      // A TypeError of decoding: code that an argument names is not found (a
      // Barrier's action, `barrier.ts`).
      name: error instanceof StartError
        ? error.kind
        : error instanceof TypeError
        ? "TypeError"
        : "ThreadError",
      message: (error as Error)?.message ?? String(error),
      // The original error travels as the ThreadError's cause (`_start_failure.ts`).
      cause: error instanceof StartError ? error.cause : error,
    });
    return;
  }
  loading = undefined;
  // The global state as the thread's modules left it: what run() changes is undone. Taken
  // before the thread is marked running (a Worker's first baseline takes 100-700 ms
  // under load): start() returns when run() is next, as CPython's start() returns once
  // `_bootstrap_inner` is about to call run(). A start given up on is undone by the
  // loop's endThreadGlobals().
  beginThreadGlobals(evaluated);
  evaluated = false;
  if (!markRunning(job)) {
    leaveJob();
    becomeIdle();
    return;
  }
  running = job;
  try {
    await runAsThread(thread, () => {
      const result = thread.run();
      // An async run() may leave its Worker with nothing to do (see `ending()`).
      if (result instanceof Promise) prepareExcepthook();
      return result;
    });
  } catch (error) {
    // Deno.exit()/process.exit() in the thread: unwound, ends it silently (CPython).
    if (!isSystemExit(error)) await handleUncaught(error, thread);
  } finally {
    // Its servers shut down and listeners closed, their ports freed (a loop turn: an
    // idle Worker's loop never turns), before its joiners wake (`_thread_resources.ts`).
    const closing = endThreadResources();
    if (closing !== undefined) await closing;
    await finishThread(); // the thread's log records are out before its joiners wake
    running = undefined;
    checkModulePrimitives(); // a module-level primitive it used: `_warn_once.ts`
    ended = thread;
    becomeIdle();
    markEnded(job);
  }
}

/**
 * The thread that ended last, until the job loop's end-of-task turn: a promise it
 * rejected with no handler is reported (at the end of that task) as its own, not as
 * "no thread" or the next thread's.
 */
let ended: Thread | undefined;

/** Set when the job loop has ended: the Worker ends normally. */
let loopDone = false;

const control = new Int32Array(bootData?.control ?? new SharedArrayBuffer(8));

/** Ends the current task: one turn of the event loop (see the module doc). */
function endTask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The next message on the Worker's channel, if one has come. */
function receive(port: import("node:worker_threads").MessagePort): ToWorker | undefined {
  return receiveMessageOnPort(port)?.message as ToWorker | undefined;
}

async function loop(): Promise<void> {
  const port = bootData!.port;
  // A spare Worker (spawned without a job) becomes claimable once it has booted.
  Atomics.store(control, C_IDLE_AT, idleStamp());
  Atomics.compareExchange(control, C_STATE, W_BOOTING, W_IDLE);
  // The job is held here only while it runs: an idle Worker keeps none.
  let message: ToWorker | undefined;
  // After a thread has ended, the next start often comes at once (a start+join loop):
  // spin a little for it before sleeping, when its starter was seen awake on another CPU
  // (see `_thread_spin.ts`).
  for (;;) {
    endIfProgramEnded(); // the main program has ended: `_program_end.ts`
    const seen = Atomics.load(control, C_JOB);
    message = takeMail(control) ?? receive(port);
    if (message === undefined) {
      if (
        !idleSpin.due || !idleGate.open() ||
        !idleGate.record(spinWhile(control, C_JOB, seen, IDLE_SPIN_MS))
      ) {
        Atomics.wait(control, C_JOB, seen);
      }
      idleSpin.due = false;
      continue;
    }
    if (message.type === "close" || Atomics.load(control, C_STATE) === W_CLOSED) break;
    Atomics.store(control, C_STATE, W_BUSY);
    const job = message;
    message = undefined;
    await runJob(job);
    forgetLocals();
    await endTask();
    ended = undefined;
    endThreadGlobals(); // nothing of its global state reaches the next thread
  }
  loopDone = true;
  port.close();
}

/** Exits this Worker for real, as a `SystemExit` asked (set at boot). */
let exitNow: (error: SystemExit) => never = () => {
  throw new Error("unreachable: no exit outside a Worker");
};

/**
 * An error thrown outside `run()`'s own chain (in a timer callback, a promise nobody
 * awaits) would end the Worker, and with it the thread, silently for its joiners. It goes
 * to the excepthook of the thread that runs, and the thread goes on.
 */
function catchStray(error: unknown): void {
  // An exit outside run()'s chain (a timer callback): the Worker ends, and the thread.
  if (isSystemExit(error) && running !== undefined) exitNow(error);
  // Whose promise or timer it was (an ended thread's pending I/O that rejects late is
  // that thread's), else the thread that runs, else the one that just ended.
  const origin = threadOfContext() as Thread | undefined;
  handleUncaught(error, origin ?? (current.ident === 0 ? ended : currentThread())).catch(
    () => {},
  );
}

/**
 * This Worker ends now, however (`Deno.exit()`, `process.exit()`, `close()`, the end of
 * its loop): it is never handed another thread, the thread that runs ends (its joiners
 * wake through shared memory, whatever the main thread is blocked in), and a thread
 * still loading its code fails to start with why. As Python's `sys.exit()` in a thread,
 * an exit in a thread ends that thread only; its exit code is not the process's.
 */
function ending(how: string): void {
  Atomics.store(control, C_STATE, W_CLOSED);
  if (loading !== undefined) {
    const job = loading;
    loading = undefined;
    markFailed(job, {
      name: "ThreadError",
      message: loadingModule === undefined
        ? `its Worker ended (${how}) while the new thread loaded its code`
        : `the module ${loadingModule} ended its Worker (${how}) while the new thread loaded it; ${
          guardAdvice("code that must run only in the main program")
        }`,
    });
  }
  if (running !== undefined) {
    const report = how === HEAP_LIMIT
      ? new RangeError(
        `Out of memory: the thread's Worker was terminated at its heap limit (${
          bootData?.heapLimitMb ?? Math.round(BOOT_HEAP_LIMIT / 2 ** 20)
        } MB, the main thread's); the thread has ended`,
      )
      : how === LOOP_EMPTY
      ? new ThreadError(
        `the thread's async target awaits a promise that nothing can settle: its event loop ran empty (no timer, I/O or message pending), so the thread has ended, as Deno ends a program whose top-level await never resolves. Settle the promise (keep its resolve function where code that runs later calls it), or await one of this library's waits (e.waitAsync(), q.getAsync(), lock.acquireAsync()), which keep the thread alive until another thread acts`,
      )
      : undefined;
    if (report !== undefined) {
      // In the excepthook's default words, as CPython's MemoryError would be; without
      // the library's frames (there are none of the user's).
      report.stack = `${report.name}: ${report.message}`;
      excepthookNow(report, currentThread());
    }
    markEnded(running);
  }
  running = undefined;
}

/** `ending()`'s reason for a Worker terminated at its heap limit. */
const HEAP_LIMIT = "terminated at its heap limit";
/** `ending()`'s reason for a Worker whose event loop ran empty. */
const LOOP_EMPTY = "its event loop ran empty";
/**
 * The isolate's heap limit at boot, in bytes: Deno raises it as it terminates the Worker
 * at the limit (see the module doc).
 */
const BOOT_HEAP_LIMIT = getHeapStatistics().heap_size_limit;

/** Why the Worker ends when its `exit` listener runs without an explicit exit. */
function unexplainedExit(): string {
  return getHeapStatistics().heap_size_limit > BOOT_HEAP_LIMIT ? HEAP_LIMIT : LOOP_EMPTY;
}

if (bootData !== undefined) {
  onStrayError(catchStray);
  // A thread's signal listener would disable the signal for the process and never run.
  refuseThreadSignals(() => currentThread().name, () => loadingModule);
  provideThreadPrompt(); // Python's input() works in any thread
  trackThreadTimers(); // a thread's pending timers end with it (not in the next thread)
  trackThreadResources(); // so do its AbortSignal.timeout, open console groups, servers
  holdThreadWaits(); // its own Atomics.waitAsync keeps it alive, as in a plain Worker
  syncConsole((writer, text) => writeWhole(writer, new TextEncoder().encode(text)));
  // process.exit(n) runs the "exit" listeners; Deno.exit(n) dispatches "unload" only;
  // close() of the worker scope runs neither, so it is wrapped.
  let exitCalled = false;
  const exit = process.exit;
  const processExit = ((code?: number) => {
    exitCalled = true;
    return exit.call(process, code);
  }) as typeof process.exit;
  // In a running thread, both throw a SystemExit that unwinds it (`_thread_exit.ts`).
  const unwinds = () => running !== undefined;
  exitNow = unwindExits(unwinds, processExit);
  process.exit = ((code?: number) => {
    if (unwinds()) throw new SystemExit(code, "process.exit");
    return processExit(code);
  }) as typeof process.exit;
  process.on("exit", (code: number) => {
    ending(exitCalled || loopDone ? `process.exit(${code})` : unexplainedExit());
  });
  onDenoExit(ending);
  const scope = globalThis as { close?: () => void };
  const close = scope.close;
  if (typeof close === "function") {
    scope.close = function () {
      ending("close()");
      close.call(globalThis);
    };
  }
  // After this module has evaluated: a Worker terminated inside the evaluation of an
  // async module aborts Node (V8: "Check failed: (location_) != nullptr"); no library
  // module has a top-level await (see the entry's note in `_pool.ts`), but the program's
  // own modules may. In the bundle, this module's code runs inside the bundle's
  // evaluation, before the code of the modules that import it (`mod.ts` sets the
  // library's exports for targets): the loop, which blocks in `Atomics.wait`, starts
  // once the whole bundle has evaluated.
  if (BUNDLED) queueMicrotask(() => afterEvaluation(loop));
  else afterEvaluation(loop);
}
