// Copyright the threading for Deno authors. MIT license.
/**
 * `Thread` and the functions that answer about threads: `currentThread`, `mainThread`,
 * `enumerate`, `activeCount`, `getIdent`, `getNativeId`, `excepthook`,
 * `setExcepthook`, `sleep`, `shutdown`.
 *
 * One thread is one Worker. A thread's state (started, alive, name, daemon flag, ident)
 * lives in the shared runtime's thread table (`_runtime.ts`), so every call here
 * answers the same from every thread, and every blocking call works while any other
 * thread, the main thread included, is blocked.
 *
 * Code travels by reference: the Worker imports the module that defines the target
 * function or the Thread subclass and looks it up by its exported name.
 *
 * @module
 */
import {
  encode,
  type Encoded,
  explainCopy,
  importModule,
  kTravel,
  registerKind,
  type Ticket,
} from "./_codec.ts";
import {
  deadlineAfter,
  describe,
  remaining,
  TIMEOUT_MAX,
  wait,
  waitAsync,
  waitTimeout,
} from "./_futex.ts";
import { closeIdle, dispatch, prewarm } from "./_pool.ts";
import { writeStderr } from "./_output.ts";
import type { CodeRef, StartJob } from "./_protocol.ts";
import {
  callerModule,
  captureOrigin,
  definingModule,
  findExport,
  mainModule,
  type Origin,
} from "./_reference.ts";
import {
  abandonStart,
  bootData,
  countStart,
  current,
  endThread,
  H_HIGH,
  H_NEXT_IDENT,
  H_NEXT_NUMBER,
  H_REQUESTS,
  MAX_THREADS,
  nameVersion,
  readName,
  readSharedText,
  readSlotText,
  runtime,
  S_ALIVE,
  S_DAEMON,
  S_IDENT,
  S_NATIVE_ID,
  S_START,
  S_TEXT_LEN,
  SharedTextKey,
  sharedTextVersion,
  slotBase,
  START_FAILED,
  START_PENDING,
  START_RUNNING,
  writeName,
  writeSharedText,
  writeSlotText,
} from "./_runtime.ts";
import { ThreadError } from "./errors.ts";

export { TIMEOUT_MAX };

/** Options of the {@linkcode Thread} constructor, as Python's keyword arguments. */
export interface ThreadOptions {
  /**
   * The function that `run()` calls: an exported function of the module that
   * constructs the Thread (or of the main module, or of `module`).
   */
  // deno-lint-ignore no-explicit-any
  target?: (...args: any[]) => unknown;
  /** The thread's name; default `Thread-N`. */
  name?: string | number;
  /** Positional arguments for the target. @default {[]} */
  args?: readonly unknown[];
  /**
   * Python's keyword arguments: when given, the target is called with them as one more,
   * last argument: `target(...args, kwargs)`.
   */
  kwargs?: Record<string, unknown>;
  /** Whether the thread is a daemon; default: the starting thread's flag. */
  daemon?: boolean;
  /**
   * The module that exports the target (or the subclass), as a URL; needed only where it
   * cannot be found from the stack (e.g. `import.meta.url` of the defining module).
   */
  module?: string | URL;
  /** Ignored, as in Python: reserved for thread groups. */
  group?: null;
}

/** What an excepthook receives, as Python's `threading.ExceptHookArgs`. */
export interface ExceptHookArgs {
  /** The class of the thrown value (its constructor), if it has one. */
  excType: unknown;
  /** The thrown value. */
  excValue: unknown;
  /** The stack of the thrown value, if it has one. */
  excTraceback: string | undefined;
  /** The thread whose `run()` threw. */
  thread: Thread | undefined;
}

/** A function that handles an uncaught error of a thread. */
export type ExceptHook = (args: ExceptHookArgs) => unknown;

interface ThreadState {
  /** Slot in the thread table once started, else -1. */
  slot: number;
  /** Ident once started. */
  ident: number | undefined;
  started: boolean;
  name: string;
  nameVersion: number;
  daemon: boolean;
  // deno-lint-ignore no-explicit-any
  target: ((...args: any[]) => unknown) | undefined;
  args: readonly unknown[];
  kwargs: Record<string, unknown> | undefined;
  /** The `module` option, as a URL. */
  moduleOption: string | undefined;
  /** The constructor's call stack, read by `start()` to find the code's modules. */
  origin: Origin | undefined;
}

const kState = Symbol("@threading/threading:thread");
const NO_STATE = Symbol("@threading/threading:no-state");

/** The modules where a target function was found by an earlier start, per function. */
const targetModules = new WeakMap<object, string[]>();
/** The modules where a Thread subclass was found by an earlier start, per class. */
const classModules = new WeakMap<object, string[]>();

/** Threads constructed in this thread and not started yet (sizes the spare Workers). */
let unstarted = 0;

/** Per-thread cache of Thread objects by ident. */
const handles = new Map<number, WeakRef<Thread>>();
const i32 = runtime.i32;

/** The program's main module, as the main thread knows it. */
let programMain: string | undefined = runtime.isMain ? mainModule() : undefined;

/** Gives a Thread its state: the fields given, the rest at their initial values. */
function setState(
  thread: Thread,
  fields: Pick<ThreadState, "name" | "daemon"> & Partial<ThreadState>,
): void {
  const state: ThreadState = {
    slot: -1,
    ident: undefined,
    started: false,
    nameVersion: -1,
    target: undefined,
    args: [],
    kwargs: undefined,
    moduleOption: undefined,
    origin: undefined,
    ...fields,
  };
  Object.defineProperty(thread, kState, { value: state });
}

function stateOf(thread: Thread): ThreadState {
  const state = (thread as unknown as { [kState]?: ThreadState })[kState];
  if (state === undefined) {
    throw new TypeError(
      "Cannot use a Thread: its constructor did not run (call super() first)",
    );
  }
  return state;
}

function checkName(name: unknown): string {
  if (typeof name === "string") return name;
  if (typeof name === "number") return String(name);
  throw new TypeError(
    `Cannot name a thread: a name must be a string, received ${describe(name)}`,
  );
}

function fileUrl(module: string | URL): string {
  return new URL(String(module), callerModule() ?? "file:///").href;
}

/**
 * A thread of control: a Worker running a function or a subclass's `run()`, in
 * parallel with the others, as Python's `threading.Thread`.
 *
 * The target must be an exported function (code travels by reference, as pickle
 * does): the new thread imports the module that constructs the Thread, or the main
 * module, or `module`, and calls that module's export of the same name. A subclass must
 * be exported too; its own fields (set in its constructor) arrive in the new thread
 * through the codec, and its constructor does not run again there.
 *
 * @example Start a thread and wait for it
 * ```ts ignore
 * import { Thread } from "@threading/threading";
 *
 * export function worker(n: number) {
 *   console.log(`Worker: ${n}`);
 * }
 *
 * if (import.meta.main) {
 *   const t = new Thread({ target: worker, args: [1] });
 *   t.start();
 *   t.join();
 * }
 * ```
 */
export class Thread {
  /** @internal */
  declare [kState]: ThreadState;

  /**
   * Creates a thread; `start()` runs it.
   *
   * @param options The target, its arguments, the name, the daemon flag.
   * @throws {TypeError} If the target is not a function or the name not a string.
   */
  constructor(options: ThreadOptions = {}) {
    if ((options as unknown) === NO_STATE) return;
    if (typeof options !== "object" || options === null) {
      throw new TypeError(
        `Cannot create Thread: options must be an object, received ${describe(options)}`,
      );
    }
    const { target, args = [], kwargs, daemon, module } = options;
    if (target !== undefined && target !== null && typeof target !== "function") {
      throw new TypeError(
        `Cannot create Thread: target must be a function, received ${describe(target)}`,
      );
    }
    if (!Array.isArray(args)) {
      throw new TypeError(
        `Cannot create Thread: args must be an array, received ${describe(args)}`,
      );
    }
    if (kwargs !== undefined && kwargs !== null && typeof kwargs !== "object") {
      throw new TypeError(
        `Cannot create Thread: kwargs must be an object, received ${describe(kwargs)}`,
      );
    }
    if (daemon !== undefined && daemon !== null && typeof daemon !== "boolean") {
      throw new TypeError(
        `Cannot create Thread: daemon must be a boolean, received ${describe(daemon)}`,
      );
    }
    const name = options.name === undefined || options.name === null
      ? `Thread-${Atomics.add(i32, H_NEXT_NUMBER, 1)}`
      : checkName(options.name);
    const sub = new.target !== Thread;
    // Boot a spare Worker now, so that start() finds it warm.
    if (runtime.isMain) prewarm(++unstarted);
    setState(this, {
      name,
      daemon: daemon ?? currentThread().daemon,
      target: target ?? undefined,
      args,
      kwargs: kwargs ?? undefined,
      moduleOption: module === undefined ? undefined : fileUrl(module),
      // Captured now (cheap), read by start() only for code it has not found before.
      origin:
        (target && !targetModules.has(target)) || (sub && !classModules.has(new.target))
          ? captureOrigin()
          : undefined,
    });
  }

  /**
   * The work of the thread: calls the target with the arguments (and kwargs as a last
   * argument, when given). Override it in a subclass. May return a promise: the thread
   * ends when it settles.
   *
   * @returns What the target returns.
   */
  run(): unknown {
    const state = stateOf(this);
    const target = state.target;
    if (target === undefined) return undefined;
    return state.kwargs === undefined
      ? target(...state.args)
      : target(...state.args, state.kwargs);
  }

  /**
   * Starts the thread: returns once it runs (`isAlive()` true, `ident` set, listed by
   * `enumerate()`).
   *
   * @throws {ThreadError} If it was started before, or cannot start (the message says
   * how to fix it).
   * @throws {TypeError} If the target cannot travel (anonymous, a closure, not
   * exported) or an argument or field cannot travel.
   */
  start(): void {
    const state = stateOf(this);
    if (state.started) {
      throw new ThreadError("Cannot start thread: threads can only be started once");
    }
    const action = `Cannot start thread ${JSON.stringify(state.name)}`;
    const code = codeOf(this, state, action);
    const fields: Record<string, unknown> = {};
    for (const key of Object.keys(this)) {
      fields[key] = (this as Record<string, unknown>)[key];
    }
    const encoded: Encoded = encode(
      { args: state.args, kwargs: state.kwargs, fields },
      "",
      action,
      { frozen: true, names: { fields: "this" } },
    );
    checkReadable(code, action);
    const ident = Atomics.add(i32, H_NEXT_IDENT, 1);
    const slot = reserveSlot(ident, action);
    const base = slotBase(slot);
    writeName(runtime, slot, state.name);
    Atomics.store(i32, base + S_DAEMON, state.daemon ? 1 : 0);
    Atomics.store(i32, base + S_START, START_PENDING);
    Atomics.store(i32, base + S_TEXT_LEN, 0);
    countStart(state.daemon);
    const job: StartJob = {
      type: "start",
      slot,
      ident,
      daemon: state.daemon,
      code,
      payload: encoded.wire,
      modules: encoded.modules,
      mainModule: programMain,
    };
    if (runtime.isMain) {
      dispatch(job);
    } else {
      Atomics.add(i32, H_REQUESTS, 1);
      bootData!.port.postMessage(job);
    }
    // Wait until the thread runs or fails to start; a Worker that never reports is
    // given up after START_DEADLINE_MS (the thread then cannot run: see markRunning).
    const deadline = deadlineAfter(START_DEADLINE_MS);
    while (Atomics.load(i32, base + S_START) === START_PENDING) {
      const left = remaining(deadline);
      if (left === 0) {
        if (
          Atomics.compareExchange(i32, base + S_START, START_PENDING, START_FAILED) ===
            START_PENDING
        ) {
          writeSlotText(
            runtime,
            slot,
            `ThreadError\nits Worker did not report within ${
              START_DEADLINE_MS / 1000
            } s; check that the program's modules load (run with --allow-read) and that the main thread is not busy in a loop that never waits`,
          );
        }
        break;
      }
      wait(i32, base + S_START, START_PENDING, left);
    }
    if (Atomics.load(i32, base + S_START) === START_FAILED) {
      const [name, ...rest] = readSlotText(runtime, slot).split("\n");
      const message = `${action}: ${rest.join("\n")}`;
      abandonStart(slot, ident, state.daemon);
      throw name === "TypeError" ? new TypeError(message) : new ThreadError(message);
    }
    if (runtime.isMain && unstarted > 0) unstarted--;
    // The code was found there: later threads of the same code skip the stack.
    if (code.kind !== "target") classModules.set(this.constructor, code.modules);
    if (state.target !== undefined) {
      targetModules.set(
        state.target,
        code.kind === "both" ? code.targetModules : code.modules,
      );
    }
    state.origin = undefined;
    state.started = true;
    state.slot = slot;
    state.ident = ident;
    handles.set(ident, new WeakRef(this));
  }

  /**
   * Waits until the thread ends, or until `timeout` milliseconds have passed. As in
   * Python, it returns nothing: call `isAlive()` to know whether the thread ended.
   *
   * @param timeout Timeout in milliseconds; `undefined` or `null`: no limit.
   * @throws {ThreadError} If the thread was not started, or is the current thread.
   * @throws {RangeError} If the timeout is larger than `TIMEOUT_MAX`.
   */
  join(timeout?: number | null): void {
    const { slot, ident } = this.#joinable();
    const ms = waitTimeout(timeout, "Cannot join thread");
    const deadline = deadlineAfter(ms);
    const word = slotBase(slot) + S_ALIVE;
    for (;;) {
      if (Atomics.load(i32, word) !== ident) return;
      const left = remaining(deadline);
      if (left === 0) return;
      wait(i32, word, ident, left);
    }
  }

  /**
   * Waits without blocking the event loop until the thread ends, or until `timeout`
   * milliseconds have passed.
   *
   * @param timeout Timeout in milliseconds; `undefined` or `null`: no limit.
   * @returns A promise that resolves when the thread has ended or the time is up.
   * @throws {ThreadError} If the thread was not started, or is the current thread.
   */
  async joinAsync(timeout?: number | null): Promise<void> {
    const { slot, ident } = this.#joinable();
    const deadline = deadlineAfter(waitTimeout(timeout, "Cannot join thread"));
    const word = slotBase(slot) + S_ALIVE;
    for (;;) {
      if (Atomics.load(i32, word) !== ident) return;
      const left = remaining(deadline);
      if (left === 0) return;
      await waitAsync(i32, word, ident, left);
    }
  }

  #joinable(): { slot: number; ident: number } {
    const state = stateOf(this);
    if (!state.started) {
      throw new ThreadError(
        `Cannot join thread ${
          JSON.stringify(this.name)
        }: it was never started; call start() first`,
      );
    }
    if (state.ident === current.ident) {
      throw new ThreadError(
        `Cannot join thread ${
          JSON.stringify(this.name)
        }: it is the current thread, which would wait for itself forever`,
      );
    }
    return { slot: state.slot, ident: state.ident! };
  }

  /** Whether the thread has started and not yet ended. */
  isAlive(): boolean {
    const state = stateOf(this);
    return state.started &&
      Atomics.load(i32, slotBase(state.slot) + S_ALIVE) === state.ident;
  }

  /** The thread's name: seen the same from every thread; a change is seen by all. */
  get name(): string {
    const state = stateOf(this);
    if (
      state.started && Atomics.load(i32, slotBase(state.slot) + S_IDENT) === state.ident
    ) {
      const version = nameVersion(runtime, state.slot);
      if (version !== state.nameVersion) {
        const name = readName(runtime, state.slot);
        if (Atomics.load(i32, slotBase(state.slot) + S_IDENT) === state.ident) {
          state.name = name;
          state.nameVersion = version;
        }
      }
    }
    return state.name;
  }

  set name(name: string) {
    const state = stateOf(this);
    state.name = checkName(name);
    if (
      state.started && Atomics.load(i32, slotBase(state.slot) + S_IDENT) === state.ident
    ) {
      writeName(runtime, state.slot, state.name);
    }
  }

  /** The thread's ident, a positive integer the same in every thread; `undefined` before start. */
  get ident(): number | undefined {
    return stateOf(this).ident;
  }

  /** The thread's OS thread id where the platform tells it, else its ident; `undefined` before start. */
  get nativeId(): number | undefined {
    const state = stateOf(this);
    if (!state.started) return undefined;
    const id = Atomics.load(i32, slotBase(state.slot) + S_NATIVE_ID);
    return id !== 0 && Atomics.load(i32, slotBase(state.slot) + S_IDENT) === state.ident
      ? id
      : state.ident;
  }

  /**
   * Whether the thread is a daemon: the process does not wait for daemon threads.
   * Set it before `start()`.
   */
  get daemon(): boolean {
    return stateOf(this).daemon;
  }

  set daemon(daemon: boolean) {
    const state = stateOf(this);
    if (typeof daemon !== "boolean") {
      throw new TypeError(
        `Cannot set daemon: expected a boolean, received ${describe(daemon)}`,
      );
    }
    if (state.started) {
      throw new ThreadError(
        "Cannot set daemon status of an active thread: set it before start()",
      );
    }
    state.daemon = daemon;
  }

  /** Python 2's spelling of `name`. @returns The name. */
  getName(): string {
    return this.name;
  }

  /** Python 2's spelling of `name = …`. @param name The new name. */
  setName(name: string): void {
    this.name = name;
  }

  /** Python 2's spelling of `daemon`. @returns The daemon flag. */
  isDaemon(): boolean {
    return this.daemon;
  }

  /** Python 2's spelling of `daemon = …`. @param daemon The new flag. */
  setDaemon(daemon: boolean): void {
    this.daemon = daemon;
  }

  /**
   * Python's repr of a thread: `<Thread(name, started 3)>`.
   *
   * @returns The description.
   */
  toString(): string {
    const state = stateOf(this);
    const status = !state.started ? "initial" : this.isAlive() ? "started" : "stopped";
    const daemon = state.daemon ? " daemon" : "";
    const ident = state.started ? ` ${state.ident}` : "";
    return `<${this.constructor.name}(${this.name}, ${status}${daemon}${ident})>`;
  }

  /** How `console.log` shows a thread. @returns The same as `toString()`. */
  [Symbol.for("Deno.customInspect")](): string {
    return this.toString();
  }

  /** How a started thread travels to another thread: as a handle to the same thread. */
  [kTravel](): Ticket {
    const state = stateOf(this);
    if (!state.started) {
      throw new TypeError(
        `Cannot send thread ${
          JSON.stringify(state.name)
        } to another thread before it is started; start it first`,
      );
    }
    return {
      kind: "Thread",
      head: { slot: state.slot, ident: state.ident, daemon: state.daemon },
    };
  }
}

/** Makes the handle for a started thread, in a thread that did not create it. */
function handleFor(slot: number, ident: number, daemon?: boolean): Thread {
  const existing = handles.get(ident)?.deref();
  if (existing !== undefined) return existing;
  const thread = new Thread(NO_STATE as never);
  setState(thread, {
    slot,
    ident,
    started: true,
    name: readName(runtime, slot),
    daemon: daemon ?? Atomics.load(i32, slotBase(slot) + S_DAEMON) === 1,
  });
  handles.set(ident, new WeakRef(thread));
  return thread;
}

registerKind("Thread", {
  create(head) {
    const { slot, ident, daemon } = head as {
      slot: number;
      ident: number;
      daemon: boolean;
    };
    return handleFor(slot, ident, daemon);
  },
});

function codeOf(thread: Thread, state: ThreadState, action: string): CodeRef {
  const candidates = (...own: (string | undefined)[]) => {
    const all: string[] = [];
    for (const url of [state.moduleOption, ...own, programMain]) {
      if (url !== undefined && !all.includes(url)) all.push(url);
    }
    return all;
  };
  let targetRef: { modules: string[]; name: string; source: string } | undefined;
  if (state.target !== undefined) {
    const fn = state.target;
    if (fn.name === "" || fn.name.startsWith("bound ")) {
      throw new TypeError(
        `${action}: the target is ${
          fn.name === "" ? "an anonymous function" : "a bound function"
        }, which cannot travel to another thread; export a named function from your module (\`export function worker() {…}\`) and pass it as the target`,
      );
    }
    const source = Function.prototype.toString.call(fn);
    if (/^class[\s{]/.test(source)) {
      throw new TypeError(
        `${action}: the target is a class, not a function; pass a function`,
      );
    }
    const modules = targetModules.get(fn) ??
      candidates(state.origin && callerModule(state.origin));
    if (modules.length === 0) {
      throw new TypeError(
        `${action}: cannot tell which module exports ${fn.name}; pass module: import.meta.url`,
      );
    }
    targetRef = { modules, name: fn.name, source };
  }
  if (thread.constructor === Thread) {
    return { kind: "target", ...(targetRef ?? { modules: [], name: "", source: "" }) };
  }
  const className = thread.constructor.name;
  if (className === "") {
    throw new TypeError(
      `${action}: its class is anonymous and cannot travel to another thread; export a named class (\`export class MyThread extends Thread {…}\`)`,
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
  };
}

/** Module URLs known to be readable (read permission is not revoked in practice). */
const readable = new Set<string>();

function checkReadable(code: CodeRef, action: string): void {
  const urls = [WORKER_MODULE, ...code.modules.slice(0, 1)];
  if (code.kind === "both") urls.push(...code.targetModules.slice(0, 1));
  for (const url of urls) {
    if (!url.startsWith("file:") || readable.has(url)) continue;
    let state: Deno.PermissionState;
    try {
      state = Deno.permissions.querySync({ name: "read", path: new URL(url) }).state;
    } catch {
      continue;
    }
    if (state === "granted") {
      readable.add(url);
    } else {
      const path = decodeURIComponent(new URL(url).pathname);
      throw new ThreadError(
        `${action}: a thread needs read permission to load its code from ${path}; run with --allow-read (or --allow-read=<the folders of your program and of this library>)`,
      );
    }
  }
}

const WORKER_MODULE = new URL("./_worker.ts", import.meta.url).href;
/** How long a starter waits for a Worker that neither runs the thread nor fails. */
const START_DEADLINE_MS = 60_000;

function reserveSlot(ident: number, action: string): number {
  for (let slot = 1; slot < MAX_THREADS; slot++) {
    const base = slotBase(slot);
    if (Atomics.load(i32, base + S_IDENT) !== 0) continue;
    if (Atomics.compareExchange(i32, base + S_IDENT, 0, ident) !== 0) continue;
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

let mainHandle: Thread | undefined;

function makeMain(): Thread {
  const thread = new Thread(NO_STATE as never);
  setState(thread, {
    slot: 0,
    ident: 1,
    started: true,
    name: "MainThread",
    daemon: false,
  });
  handles.set(1, new WeakRef(thread));
  Atomics.store(i32, slotBase(0) + S_NATIVE_ID, osThreadId() ?? 0);
  return thread;
}

let currentThreadObject: Thread | undefined;

/**
 * The Thread object of the caller's thread: `MainThread` on the main thread.
 *
 * @returns The current thread.
 */
export function currentThread(): Thread {
  if (currentThreadObject !== undefined) return currentThreadObject;
  if (runtime.isMain) return currentThreadObject = mainThread();
  return handleFor(current.slot, current.ident);
}

/**
 * The main thread's Thread object, the same object from every call in a thread.
 *
 * @returns The main thread.
 */
export function mainThread(): Thread {
  if (!runtime.isMain) return handleFor(0, 1, false);
  return mainHandle ??= makeMain();
}

/**
 * The threads alive now, the main thread and the current one included, as seen from
 * every thread alike.
 *
 * @returns The live threads, in the order they started.
 */
export function enumerate(): Thread[] {
  const out: Thread[] = [];
  const high = Atomics.load(i32, H_HIGH);
  for (let slot = 0; slot < high; slot++) {
    const ident = Atomics.load(i32, slotBase(slot) + S_ALIVE);
    if (ident === 0) continue;
    out.push(ident === 1 ? mainThread() : handleFor(slot, ident));
  }
  // In start order, as Python lists them: idents grow with each start.
  return out.sort((a, b) => a.ident! - b.ident!);
}

/**
 * The number of threads alive: `enumerate().length`.
 *
 * @returns The count, the main thread included.
 */
export function activeCount(): number {
  let n = 0;
  const high = Atomics.load(i32, H_HIGH);
  for (let slot = 0; slot < high; slot++) {
    if (Atomics.load(i32, slotBase(slot) + S_ALIVE) !== 0) n++;
  }
  return n;
}

/**
 * The current thread's ident: a positive integer, the same for that thread in every
 * thread (the main thread's is 1).
 *
 * @returns The ident.
 */
export function getIdent(): number {
  return current.ident;
}

/**
 * The current thread's OS thread id where the platform tells it (Linux with read
 * permission on `/proc`), else its ident.
 *
 * @returns The native id.
 */
export function getNativeId(): number {
  const id = Atomics.load(i32, slotBase(current.slot) + S_NATIVE_ID);
  return id !== 0 ? id : current.ident;
}

let osThreadIdCache: number | undefined | null = null;

/** The OS thread id of the calling isolate, if the platform tells it. */
function osThreadId(): number | undefined {
  if (osThreadIdCache === null) osThreadIdCache = readOsThreadId();
  return osThreadIdCache;
}

function readOsThreadId(): number | undefined {
  try {
    if (
      Deno.permissions.querySync({ name: "read", path: "/proc/thread-self" }).state !==
        "granted"
    ) {
      return undefined;
    }
    const link = Deno.readLinkSync("/proc/thread-self");
    const tid = Number(link.split("/").pop());
    return Number.isInteger(tid) && tid > 0 ? tid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Blocks the calling thread for `ms` milliseconds, as Python's `time.sleep` (which takes
 * seconds). Other threads go on; on the main thread, threads started by threads still
 * start while it sleeps.
 *
 * @param ms Milliseconds to sleep.
 * @throws {TypeError} If `ms` is not a number.
 * @throws {RangeError} If `ms` is negative, NaN or larger than `TIMEOUT_MAX`.
 */
export function sleep(ms: number): void {
  if (typeof ms !== "number") {
    throw new TypeError(
      `Cannot sleep: ms must be a number of milliseconds, received ${describe(ms)}`,
    );
  }
  if (!(ms >= 0)) {
    throw new RangeError(
      `Cannot sleep: ms must be a non-negative number, received ${ms}`,
    );
  }
  if (ms > TIMEOUT_MAX) {
    throw new RangeError(
      `Cannot sleep: ms must be at most TIMEOUT_MAX (${TIMEOUT_MAX}), received ${ms}`,
    );
  }
  const deadline = performance.now() + ms;
  for (;;) {
    const left = deadline - performance.now();
    if (left <= 0) return;
    wait(sleepWord, 0, 0, left);
  }
}

const sleepWord = new Int32Array(new SharedArrayBuffer(4));

/**
 * The default excepthook, as Python's `threading.__excepthook__`: writes
 * `Exception in thread <name>:` and the error's stack to stderr.
 *
 * @param args The thrown value and the thread.
 */
export function excepthook(args: ExceptHookArgs): void {
  const name = args.thread?.name ?? String(getIdent());
  const value = args.excValue;
  const detail = value instanceof Error
    ? (value.stack ?? `${value.name}: ${value.message}`)
    : `Uncaught ${describe(value)}`;
  writeStderr(`Exception in thread ${name}:\n${detail}\n`);
}

let hook: ExceptHook = excepthook;
let hookVersion = 0;

/**
 * Sets the excepthook of every thread, as assigning Python's `threading.excepthook`:
 * the hook runs in the thread whose `run()` threw. It must be an exported function of
 * the module that calls `setExcepthook` (other threads import it by name), or
 * `excepthook` to restore the default.
 *
 * @param newHook The hook.
 * @returns The hook it replaces.
 * @throws {TypeError} If the hook is not a named function.
 */
export function setExcepthook(newHook: ExceptHook): ExceptHook {
  if (typeof newHook !== "function") {
    throw new TypeError(
      `Cannot set excepthook: expected a function, received ${describe(newHook)}`,
    );
  }
  const previous = hook;
  if (newHook === excepthook) {
    writeSharedText(SharedTextKey.EXCEPTHOOK, "", "the excepthook");
  } else {
    if (newHook.name === "") {
      throw new TypeError(
        "Cannot set excepthook: an anonymous function cannot run in other threads; export a named function and pass it",
      );
    }
    const module = callerModule();
    writeSharedText(
      SharedTextKey.EXCEPTHOOK,
      JSON.stringify({ module, name: newHook.name, source: String(newHook) }),
      "the excepthook",
    );
  }
  hook = newHook;
  hookVersion = sharedTextVersion(SharedTextKey.EXCEPTHOOK);
  return previous;
}

/** Resolves the program-wide excepthook in this thread (importing its module). */
async function resolveHook(): Promise<{ hook: ExceptHook; note?: string }> {
  const version = sharedTextVersion(SharedTextKey.EXCEPTHOOK);
  if (version === hookVersion) return { hook };
  const { text } = readSharedText(SharedTextKey.EXCEPTHOOK);
  if (text === "") {
    hook = excepthook;
    hookVersion = version;
    return { hook };
  }
  const ref = JSON.parse(text) as { module?: string; name: string; source: string };
  try {
    if (ref.module === undefined) throw new Error("its module is unknown");
    const ns = await importModule(ref.module);
    const found = findExport(ns, ref.name, ref.source);
    if (typeof found !== "function") throw new Error(`${ref.module} does not export it`);
    hook = found as ExceptHook;
    hookVersion = version;
    return { hook };
  } catch (error) {
    return {
      hook: excepthook,
      note:
        `(the excepthook ${ref.name} set with setExcepthook() cannot run in this thread: ${
          (error as Error).message
        }; export it from the module that calls setExcepthook)\n`,
    };
  }
}

/** Runs the excepthook for an error thrown by a thread's `run()`. */
export async function handleUncaught(
  error: unknown,
  thread: Thread | undefined,
): Promise<void> {
  const { hook: h, note } = await resolveHook();
  if (note) writeStderr(note);
  explainCopy(error);
  const args: ExceptHookArgs = {
    excType: (error as { constructor?: unknown })?.constructor,
    excValue: error,
    excTraceback: (error as { stack?: string })?.stack,
    thread,
  };
  try {
    await h(args);
  } catch (hookError) {
    writeStderr("Exception in threading.excepthook:\n");
    excepthook({ ...args, excValue: hookError, thread });
  }
}

/**
 * Ends the pooled Workers that are idle (Workers kept warm to start the next thread
 * fast). Call it after joining your threads when a program or a test must finish with
 * no Worker left, as under `deno test`'s sanitizers; threads started later spawn new
 * Workers. Main thread only; elsewhere it does nothing.
 *
 * @returns A promise that resolves once those Workers have exited.
 */
export async function shutdown(): Promise<void> {
  if (!runtime.isMain) return;
  unstarted = 0;
  await closeIdle();
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
  const name = readName(runtime, job.slot);
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
  currentThreadObject = thread;
  handles.set(job.ident, new WeakRef(thread));
  return thread;
}

/** @internal Makes a job's thread the current thread of this Worker. */
export function enterJob(job: StartJob): void {
  current.ident = job.ident;
  current.slot = job.slot;
  programMain = job.mainModule;
}

/**
 * @internal Marks the current Worker thread as running and tells its starter.
 * @returns false if the starter gave up waiting: the thread must not run.
 */
export function markRunning(job: StartJob): boolean {
  const base = slotBase(job.slot);
  Atomics.store(i32, base + S_NATIVE_ID, osThreadId() ?? 0);
  Atomics.store(i32, base + S_ALIVE, job.ident);
  if (
    Atomics.compareExchange(i32, base + S_START, START_PENDING, START_RUNNING) !==
      START_PENDING
  ) {
    Atomics.store(i32, base + S_ALIVE, 0);
    return false;
  }
  Atomics.notify(i32, base + S_START);
  return true;
}

/** @internal Marks the current Worker thread as ended: joiners wake, counts drop. */
export function markEnded(job: StartJob): void {
  endThread(job.slot, job.ident, job.daemon);
  current.ident = 0;
  current.slot = -1;
  currentThreadObject = undefined;
}

/** @internal Marks a thread as failed to start, with the error its starter throws. */
export function markFailed(
  job: StartJob,
  error: { name: string; message: string },
): void {
  const base = slotBase(job.slot);
  if (Atomics.load(i32, base + S_START) !== START_PENDING) return;
  writeSlotText(runtime, job.slot, `${error.name}\n${error.message}`);
  if (
    Atomics.compareExchange(i32, base + S_START, START_PENDING, START_FAILED) ===
      START_PENDING
  ) {
    Atomics.notify(i32, base + S_START);
  }
  current.ident = 0;
  current.slot = -1;
}
