// Copyright the threading for Deno authors. MIT license.
/**
 * How a thread starts, off the Thread class: where its code is found (`codeOf`, with the
 * modules found by earlier starts), the read permission it needs, a free slot of the
 * thread table (`reserveSlot`), and, in the Worker, the marks of its life
 * (`bootThread`, `enterJob`, `markRunning`, `markFailed`, `markEnded`, `leaveJob`) that
 * its starter and its joiners wait on. The order of a start is in `_thread_launch.ts`
 * (`Thread.start`); the slot's states are in `_runtime.ts`.
 *
 * @module
 */
import { TypeError } from "./_caller_stack.ts";
import { mayRead } from "./_platform.ts";
import { SOURCE_DIR } from "./_self.ts";
import { encodeStartFailure } from "./_start_failure.ts";
import { unreadableLibraryFile } from "./_pool.ts";

import { type CodeRef, type StartJob } from "./_protocol.ts";
import { idleSpin } from "./_thread_spin.ts";
import {
  exportedArrow,
  locateByIdentity,
  type Located,
  lookalikeMessage,
} from "./_locate.ts";
import {
  callerModule,
  captureOrigin,
  definingModule,
  exportNameOf,
  findExport,
  instanceMethodOf,
  isMethodSource,
  mainModule,
  methodMessage,
  type Origin,
  refuseUntravelable,
  stackModules,
} from "./_reference.ts";
import { evaluatedModule, loadedModule, loadedModules } from "./_modules.ts";
import {
  current,
  endThread,
  failStart,
  H_HIGH,
  H_NEXT_SLOT,
  MAX_THREADS,
  readName,
  releaseAbandoned,
  runtime,
  S_ALIVE,
  S_IDENT,
  S_NATIVE_ID,
  S_START,
  slotBase,
  START_PENDING,
  START_RUNNING,
} from "./_runtime.ts";
import { ThreadError } from "./errors.ts";
import {
  handles,
  here,
  i32,
  NO_STATE,
  osThreadId,
  setState,
  START_DEADLINE_MS,
  type ThreadState,
} from "./_thread_state.ts";
import { Thread } from "./thread.ts";

/** The modules where a target function was found by an earlier start, per function. */
export const targetModules = new WeakMap<object, string[]>();
/** The modules where a Thread subclass was found by an earlier start, per class. */
export const classModules = new WeakMap<object, string[]>();

export function codeOf(thread: Thread, state: ThreadState, action: string): CodeRef {
  const candidates = (...own: (string | undefined)[]) => {
    const all: string[] = [];
    for (const url of [state.moduleOption, ...own, here.programMain]) {
      if (url !== undefined && !all.includes(url)) all.push(url);
    }
    return all;
  };
  let targetRef:
    | { modules: string[]; name: string; source: string; exact: boolean }
    | undefined;
  if (state.target !== undefined) {
    const fn = state.target;
    const source = checkedSources.get(fn) ??
      checkTarget(
        fn,
        action,
        () =>
          exportedArrow(
            fn,
            candidates(callerModule(state.origin ?? captureOrigin())),
          ),
      );
    // An explicit `module` option wins over what an earlier start found.
    const explicit = state.moduleOption !== undefined;
    const remembered = explicit ? undefined : targetModules.get(fn);
    const modules = remembered ??
      candidates(callerModule(state.origin ?? captureOrigin()));
    if (modules.length === 0) {
      throw new TypeError(
        `${action}: cannot tell which module exports ${fn.name}; name it, as in \`new Thread({ target: ${fn.name}, module: import.meta.resolve("./tasks.ts") })\` where ./tasks.ts is the module that exports ${fn.name}`,
      );
    }
    targetRef = remembered !== undefined
      ? { modules, name: targetNames.get(fn) ?? fn.name, source, exact: true }
      : knownExport(fn, source, modules, action, explicit, state.origin) ??
        { modules, name: fn.name, source, exact: explicit };
  }
  if (thread.constructor === Thread) {
    return { kind: "target", ...(targetRef ?? { modules: [], name: "", source: "" }) };
  }
  const className = thread.constructor.name;
  if (className === "") {
    throw new TypeError(
      `${action}: its class is anonymous and cannot travel to another thread; export a named class (\`export class MyThread extends Thread {\u2026}\`)`,
    );
  }
  const modules = classModules.get(thread.constructor) ??
    candidates(state.origin && definingModule(className, state.origin));
  if (targetRef === undefined) return { kind: "subclass", modules, name: className };
  return {
    kind: "both",
    modules,
    name: className,
    targetModules: targetRef.modules,
    targetName: targetRef.name,
    source: targetRef.source,
    exact: targetRef.exact,
  };
}

/** The export names of targets found under another name (`Tools.run`, an alias). */
export const targetNames = new WeakMap<object, string>();

/**
 * The module and export name of a target, learnt before the job is sent when this
 * thread can tell by identity which module exports it (`locateByIdentity`: a module it
 * has loaded, or one of the static import graph of the candidate modules): the export
 * under another name (`export { hidden as visible }`) or a static method (`Tools.run`)
 * is then looked up in the new thread under that name, and two modules that export
 * functions of the same name and source text are never mixed up. With an explicit
 * `module` option, that module is searched first, by identity, and otherwise wins (the
 * new thread takes its export of that name). A method of an exported class's objects
 * (`target: counter.increment`) is refused here, with the words that say so.
 *
 * What this thread finds is the function's own module, never one that exports another
 * function of the same name and source text (`work` of ./a.ts and of ./b.ts, each over
 * its own `const TAG`): a `module` option whose module exports such a lookalike and not
 * the function itself is refused, and so is a function that the static graph's modules
 * do not export while one of them exports a lookalike (see `locateByIdentity`).
 *
 * @throws {TypeError} For a method passed without its object, or a lookalike.
 */
function knownExport(
  fn: (...args: never[]) => unknown,
  source: string,
  modules: string[],
  action: string,
  explicit: boolean,
  origin: Origin | undefined,
):
  | { modules: string[]; name: string; source: string; exact: boolean }
  | undefined {
  const same = (v: unknown) => v === fn;
  const option =
    `new Thread({ target: ${fn.name}, module: import.meta.resolve("./<its file>.ts") }) (a Timer: \`new Timer(ms, ${fn.name}, args, kwargs, { module: ... })\`)`;
  const ns = explicit ? optionNamespace(modules[0], origin) : undefined;
  let found: Located | undefined;
  let lookalike = false;
  try {
    const inOption = ns && exportNameOf(ns, same);
    if (inOption !== undefined) found = { module: modules[0], name: inOption.name };
    else if (ns !== undefined) {
      lookalike = typeof findExport(ns, fn.name, source) === "function";
    }
  } catch {
    // An export still in its temporal dead zone (the module evaluates): not told here.
  }
  if (lookalike) {
    throw new TypeError(
      `${action}: the module option names ${
        modules[0]
      }, which exports another function ${fn.name} with the same source text (over its own module state), not the target itself; an explicit module must export the target itself: name the module that does, as in ${option}`,
    );
  }
  // An explicit module that does not export the target itself still wins: the new
  // thread imports it and looks for the name there (and says so if it cannot).
  if (found === undefined && !explicit) found = locateByIdentity(fn, modules);
  if (found?.lookalikes !== undefined) {
    throw new TypeError(
      `${action}: ${
        lookalikeMessage(fn.name, found.lookalikes, `name that module, as in ${option}`)
      }`,
    );
  }
  if (found !== undefined) {
    if (found.name !== fn.name) targetNames.set(fn, found.name);
    return { modules: [found.module], name: found.name, source, exact: true };
  }
  const search = [...loadedModules()];
  if (isMethodSource(source)) {
    const owner = instanceMethodOf(search, source);
    if (owner !== undefined) {
      throw new TypeError(
        `${action}: ${methodMessage("the target", (fn as { name: string }).name, owner)}`,
      );
    }
  }
  return undefined;
}

/**
 * The namespace of the module a `module` option names, to tell by identity whether it
 * exports the target: the one loaded here, else taken synchronously (`evaluatedModule`:
 * a module that the program has imported, statically or by `import()`, comes back as
 * the same namespace), but never the main module's nor that of a module the stack shows
 * (it may be evaluating now).
 */
function optionNamespace(
  url: string,
  origin: Origin | undefined,
): Record<string, unknown> | undefined {
  const ns = loadedModule(url);
  if (ns !== undefined || url === mainModule()) return ns;
  if (stackModules(origin ?? captureOrigin()).has(url)) return undefined;
  return evaluatedModule(url);
}

/** Target functions that passed {@linkcode checkTarget}, with their source text. */
const checkedSources = new WeakMap<object, string>();

/**
 * Refuses a target that cannot travel by reference (see `refuseUntravelable`).
 * @returns Its source text (kept, so that later starts of it skip the checks).
 */
function checkTarget(
  // deno-lint-ignore no-explicit-any
  fn: (...args: any[]) => unknown,
  action: string,
  exported: () => boolean,
): string {
  const source = refuseUntravelable(fn, "the target", action, exported);
  checkedSources.set(fn, source);
  return source;
}

/** Module URLs known to be readable (read permission is not revoked in practice). */
const readable = new Set<string>();

export function checkReadable(code: CodeRef, action: string): void {
  const library = unreadableLibraryFile();
  const urls = [...(library ? [library.href] : []), ...code.modules.slice(0, 1)];
  if (code.kind === "both") urls.push(...code.targetModules.slice(0, 1));
  for (const url of urls) {
    if (!url.startsWith("file:") || readable.has(url)) continue;
    if (mayRead(new URL(url))) {
      readable.add(url);
    } else {
      const path = decodeURIComponent(new URL(url).pathname);
      throw new ThreadError(
        `${action}: a thread needs read permission to load its code from ${path}; run with --allow-read (or --allow-read=${
          SOURCE_DIR.startsWith("file:")
            ? "<the folders of your program and of this library>"
            : "<your program's folder>"
        })`,
      );
    }
  }
}

/**
 * @internal For tests: sets how long `start()` waits for a Worker that neither runs
 * the thread nor fails (default 60 s) in this isolate.
 * @returns The previous deadline, in milliseconds.
 */
export function setStartDeadline(ms: number = START_DEADLINE_MS): number {
  const previous = here.startDeadlineMs;
  here.startDeadlineMs = ms;
  return previous;
}

/**
 * Takes a free slot for `ident`, round robin from `H_NEXT_SLOT` (so that an ended
 * thread's record stays readable as long as possible).
 */
export function reserveSlot(ident: number, action: string): number {
  const from = Atomics.load(i32, H_NEXT_SLOT);
  for (let n = 0; n < MAX_THREADS - 1; n++) {
    const slot = 1 + (from - 1 + n) % (MAX_THREADS - 1);
    const base = slotBase(slot);
    if (Atomics.load(i32, base + S_IDENT) !== 0) continue;
    if (Atomics.compareExchange(i32, base + S_IDENT, 0, ident) !== 0) continue;
    Atomics.store(i32, H_NEXT_SLOT, slot + 1 < MAX_THREADS ? slot + 1 : 1);
    for (;;) {
      const high = Atomics.load(i32, H_HIGH);
      if (high > slot || Atomics.compareExchange(i32, H_HIGH, high, slot + 1) === high) {
        break;
      }
    }
    return slot;
  }
  throw new ThreadError(
    `${action}: can't start new thread: ${
      MAX_THREADS - 1
    } threads are alive or starting, the most this library runs at once`,
  );
}

// ---- Used by the Worker bootstrap (`_worker.ts`): not part of the public API. ----

/** @internal Makes the Thread object of a thread starting in this Worker. */
export function bootThread(
  ctor: typeof Thread | undefined,
  job: StartJob,
  // deno-lint-ignore no-explicit-any
  target: ((...args: any[]) => unknown) | undefined,
  payload: {
    args: unknown[];
    kwargs?: Record<string, unknown>;
    fields: Record<string, unknown>;
  },
): Thread {
  const thread = ctor === undefined || ctor === Thread
    ? new Thread(NO_STATE as never)
    : Object.create(ctor.prototype) as Thread;
  const name = readName(runtime, job.slot)!;
  setState(thread, {
    slot: job.slot,
    ident: job.ident,
    started: true,
    name,
    daemon: job.daemon,
    target,
    args: payload.args ?? [],
    kwargs: payload.kwargs,
  });
  Object.assign(thread, payload.fields);
  // A subclass's fields are a copy of the starting thread's object: a change here would
  // never reach it (Python's `self.result = ...` read after join()), so it throws, as a
  // change to any frozen copy does ("Copies" in `_codec.ts`); the excepthook says what
  // to use instead. Shared fields (a SharedJSON, a Queue) still change through their
  // methods. A plain Thread's object stays open (`currentThread().tag = ...`).
  if (ctor !== undefined && ctor !== Thread) Object.freeze(thread);
  here.currentThread = thread;
  handles.set(job.ident, thread);
  return thread;
}

/** @internal Makes a job's thread the current thread of this Worker. */
export function enterJob(job: StartJob): void {
  current.ident = job.ident;
  current.slot = job.slot;
  here.programMain = job.mainModule;
  here.importing = job.code.modules[0] ?? job.mainModule ?? "its modules";
}

/** @internal Tells which module the booting thread imports now. */
export function noteImporting(module: string): void {
  here.importing = module;
}

/**
 * @internal Marks the current Worker thread as running and tells its starter. A slot
 * that is not the job's (generation check: `S_IDENT`) is never written; a start its
 * starter gave up on (`START_ABANDONED`) gives its slot back.
 * @returns false if the starter gave up waiting: the thread must not run (call
 * {@linkcode leaveJob}).
 */
export function markRunning(job: StartJob): boolean {
  here.importing = undefined;
  const base = slotBase(job.slot);
  if (Atomics.load(i32, base + S_IDENT) !== job.ident) return false;
  Atomics.store(i32, base + S_NATIVE_ID, osThreadId() ?? 0);
  Atomics.store(i32, base + S_ALIVE, job.ident);
  if (
    Atomics.compareExchange(i32, base + S_START, START_PENDING, START_RUNNING) !==
      START_PENDING
  ) {
    Atomics.store(i32, base + S_ALIVE, 0);
    releaseAbandoned(job);
    return false;
  }
  // Nobody asleep: the starter spins, awake on another CPU (see `_thread_spin.ts`).
  idleSpin.due = Atomics.notify(i32, base + S_START) === 0;
  return true;
}

/** @internal This Worker runs no thread now (its job ended or never ran). */
export function leaveJob(): void {
  current.ident = 0;
  current.slot = -1;
  // Nothing of the thread stays in this Worker, which runs the next one.
  here.currentThread = undefined;
  handles.clear();
  here.sweepAt = 32;
}

/** @internal Marks the current Worker thread as ended: joiners wake, counts drop. */
export function markEnded(job: StartJob): void {
  endThread(job.slot, job.ident, job.daemon);
  leaveJob();
}

/** @internal Marks a thread as failed to start, with the error its starter throws. */
export function markFailed(
  job: StartJob,
  error: { name: string; message: string; cause?: unknown },
): void {
  here.importing = undefined;
  leaveJob();
  failStart(job, encodeStartFailure(error.name, error.message, error.cause));
}
