// Copyright the threading for Deno authors. MIT license.
/**
 * What the threads of this isolate share: a Thread object's state (`ThreadState`, kept
 * under a symbol), the Thread objects known here by ident (`handles`), the handle made
 * for a thread met first as an ident or a received ticket (`handleFor`), and the few
 * values that start, boot and shutdown change (`here`). Used by `thread.ts`,
 * `thread_functions.ts`, `_thread_start.ts` and `excepthook.ts`; not part of the API.
 *
 * @module
 */
import { TypeError } from "./_caller_stack.ts";
import { osThreadId as readOsThreadId } from "./_platform.ts";
import { registerKind } from "./_codec.ts";
import { findLoaded } from "./_locate.ts";
import { describe } from "./_futex.ts";
import { mainModule, type Origin } from "./_reference.ts";
import {
  H_NEXT_NUMBER,
  NAME_BYTES,
  nameBytes,
  nameVersion,
  readName,
  runtime,
  S_ALIVE,
  S_DAEMON,
  S_NATIVE_ID,
  S_RECORD,
  slotBase,
  utf8,
} from "./_runtime.ts";
import { Thread, type ThreadOptions } from "./thread.ts";

/**
 * What a Thread object knows of its thread. Once started, `name`, `daemon` and
 * `nativeId` are a snapshot of the thread's record in its slot, refreshed at each read
 * while the slot holds that record (see `_runtime.ts`), kept as they were last seen once
 * the slot holds another thread's.
 */
export interface ThreadState {
  /** Slot in the thread table once started, else -1. */
  slot: number;
  /** Ident once started. */
  ident: number | undefined;
  started: boolean;
  name: string;
  /** The name seqlock's value when `name` was read from the slot; -1: not read. */
  nameVersion: number;
  daemon: boolean;
  /** The OS thread id last read from the slot; 0: not known (yet). */
  nativeId: number;
  // deno-lint-ignore no-explicit-any
  target: ((...args: any[]) => unknown) | undefined;
  args: readonly unknown[];
  kwargs: Record<string, unknown> | undefined;
  /** The `module` option, as a URL. */
  moduleOption: string | undefined;
  /** The constructor's call stack, read by `start()` to find the code's modules. */
  origin: Origin | undefined;
  /** `performance.now()` when `start()` returned (see `_thread_spin.ts`). */
  startedAt?: number;
}

export const kState = Symbol("@threading/threading:thread");
export const NO_STATE = Symbol("@threading/threading:no-state");

/**
 * The Thread objects of this isolate, by ident, for threads that were alive when last
 * looked at: `enumerate()`, `currentThread()` and a received handle give the same object
 * for the same thread, as CPython's `_active` does. Strong references (a WeakRef would
 * keep its target, arguments included, until the current task ends: a synchronous loop of
 * starts would keep them all); the ended threads' entries are dropped by `join()`, by a
 * sweep whenever the map has doubled (so it stays within twice the live threads), and in
 * a Worker all at once when its thread ends.
 */
export const handles = new Map<number, Thread>();
export const i32 = runtime.i32;

/** What start, boot and shutdown change in this isolate. */
/** How long a starter waits for a Worker that neither runs the thread nor fails. */
export const START_DEADLINE_MS = 60_000;

export const here = {
  /** Threads constructed in this thread and not started yet (sizes the spare Workers). */
  unstarted: 0,
  /** Size at which {@linkcode remember} sweeps {@linkcode handles}. */
  sweepAt: 32,
  /** The program's main module, as the main thread knows it. */
  programMain: (runtime.isMain ? mainModule() : undefined) as string | undefined,
  /** The Thread object of this Worker's thread, once made. */
  currentThread: undefined as Thread | undefined,
  /**
   * The module a thread of this Worker imports while it boots (before its `run()`), if
   * any: a `start()` meanwhile is refused (see {@linkcode Thread.start}).
   */
  importing: undefined as string | undefined,
  /** How long a starter waits for a Worker that neither runs the thread nor fails. */
  startDeadlineMs: START_DEADLINE_MS,
};

/** Gives a Thread its state: the fields given, the rest at their initial values. */
export function setState(
  thread: Thread,
  fields: Pick<ThreadState, "name" | "daemon"> & Partial<ThreadState>,
): void {
  const state: ThreadState = {
    slot: -1,
    ident: undefined,
    started: false,
    nameVersion: -1,
    nativeId: 0,
    target: undefined,
    args: [],
    kwargs: undefined,
    moduleOption: undefined,
    origin: undefined,
    ...fields,
  };
  Object.defineProperty(thread, kState, { value: state });
}

export function stateOf(thread: Thread): ThreadState {
  const state = (thread as unknown as { [kState]?: ThreadState })[kState];
  if (state === undefined) {
    throw new TypeError(
      "Cannot use a Thread: its constructor did not run (call super() first)",
    );
  }
  return state;
}

/** The keys of the Thread constructor's options: any other is refused. */
const OPTION_KEYS = new Set([
  "target",
  "name",
  "args",
  "kwargs",
  "daemon",
  "module",
  "group",
]);

/**
 * Checks the Thread constructor's options (all but the name): their types, and no key
 * besides {@linkcode OPTION_KEYS}, as CPython's `Thread.__init__` refuses an unexpected
 * keyword argument (a misspelt `arg: [1]` is not ignored).
 *
 * @throws {TypeError} If an option is unknown or of the wrong type, or `group` is not
 * `null`.
 */
export function checkOptions(options: ThreadOptions): void {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Cannot create Thread: options must be an object, received ${describe(options)}`,
    );
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) {
      // CPython's Thread.__init__ refuses an unexpected keyword argument (TypeError):
      // a misspelt option (`arg: [1]`) is not ignored.
      throw new TypeError(
        `Cannot create Thread: unknown option ${JSON.stringify(key)}; the options are ${
          [...OPTION_KEYS].join(", ")
        }`,
      );
    }
  }
  const { target, args = [], kwargs, daemon, group } = options;
  if (group !== undefined && group !== null) {
    throw new TypeError(
      `Cannot create Thread: group must be null, as in CPython ("group argument must be None for now"), received ${
        describe(group)
      }`,
    );
  }
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
  // CPython: "argument after ** must be a mapping, not list".
  if (
    kwargs !== undefined && kwargs !== null &&
    (typeof kwargs !== "object" || Array.isArray(kwargs))
  ) {
    throw new TypeError(
      `Cannot create Thread: kwargs must be an object of named arguments (CPython: a mapping), received ${
        describe(kwargs)
      }`,
    );
  }
  if (daemon !== undefined && daemon !== null && typeof daemon !== "boolean") {
    throw new TypeError(
      `Cannot create Thread: daemon must be a boolean, received ${describe(daemon)}`,
    );
  }
}

/**
 * Marks a Thread subclass whose default name has no ` (target)`: CPython's `Timer`
 * calls `Thread.__init__(self)` without a target, so it is named `Thread-N`.
 */
export const kNameWithoutTarget: unique symbol = Symbol("threading.nameWithoutTarget");

/**
 * The next default name, as CPython 3.10+ makes it (`Thread.__init__`): `Thread-N`,
 * and `Thread-N (target)` when a target with a name is given (`Thread-1 (worker)`). A
 * target whose name would make the name longer than `NAME_BYTES` leaves it out.
 */
export function defaultName(target: unknown): string {
  const name = `Thread-${Atomics.add(i32, H_NEXT_NUMBER, 1)}`;
  const targetName = typeof target === "function" ? target.name : "";
  if (targetName === "") return name;
  const full = `${name} (${targetName})`;
  return utf8(full).length <= NAME_BYTES ? full : name;
}

/**
 * A thread name, as CPython's `name` setter makes it (`self._name = str(name)`): any
 * value turned into a string (`String()`, JavaScript's `str()`), of at most
 * `NAME_BYTES` (256) bytes of UTF-8. The constructor and the setter both use it.
 *
 * @throws {RangeError} If the name is longer than 256 bytes of UTF-8.
 */
export function checkName(name: unknown): string {
  const text = String(name);
  nameBytes(text, "Cannot name a thread");
  return text;
}

/** Remembers the Thread object of a thread of this isolate (see {@linkcode handles}). */
export function remember(ident: number, thread: Thread): void {
  handles.set(ident, thread);
  if (handles.size < here.sweepAt) return;
  for (const [id, t] of handles) {
    if (id !== 1 && Atomics.load(i32, slotBase(stateOf(t).slot) + S_ALIVE) !== id) {
      handles.delete(id);
    }
  }
  here.sweepAt = Math.max(32, handles.size * 2);
}

/**
 * Refreshes the snapshot of a started thread from its slot, if the slot still holds
 * that thread's record; else leaves it as last seen.
 */
export function refresh(state: ThreadState): void {
  if (!state.started) return;
  const base = slotBase(state.slot);
  const ident = state.ident!;
  if (Atomics.load(i32, base + S_RECORD) !== ident) return;
  const version = nameVersion(runtime, state.slot);
  if (version !== state.nameVersion) {
    const name = readName(runtime, state.slot, ident);
    if (name === undefined) return;
    state.name = name;
    state.nameVersion = version;
  }
  const id = Atomics.load(i32, base + S_NATIVE_ID);
  if (id !== 0 && Atomics.load(i32, base + S_RECORD) === ident) state.nativeId = id;
}

/** What a handle knows of a started thread, as it travels (a Thread ticket's head). */
export interface Snapshot {
  slot: number;
  ident: number;
  name: string;
  daemon: boolean;
  nativeId: number;
}

/**
 * The handle of a started thread in this isolate: the one it knows, else a new one made
 * from the thread's record in its slot, else from `snapshot` (the record of an ended
 * thread may be gone).
 *
 * @returns The handle, or `undefined` if the slot no longer holds the thread's record
 * and no snapshot is given (the thread ended while it was being looked up).
 */
export function handleFor(
  slot: number,
  ident: number,
  snapshot?: Snapshot,
): Thread | undefined {
  const existing = handles.get(ident);
  if (existing !== undefined) return existing;
  const base = slotBase(slot);
  let fields = snapshot;
  const daemon = Atomics.load(i32, base + S_DAEMON) === 1;
  const nativeId = Atomics.load(i32, base + S_NATIVE_ID);
  const version = nameVersion(runtime, slot);
  const name = readName(runtime, slot, ident);
  if (name !== undefined) fields = { slot, ident, name, daemon, nativeId };
  if (fields === undefined) return undefined;
  const thread = new Thread(NO_STATE as never);
  setState(thread, {
    slot,
    ident,
    started: true,
    name: fields.name,
    nameVersion: name !== undefined ? version : -1,
    daemon: fields.daemon,
    nativeId: fields.nativeId,
  });
  remember(ident, thread);
  return thread;
}

/** Handles given their subclass by the ticket being decoded: their fields are filled. */
const upgraded = new WeakSet<Thread>();

function isThreadClass(value: unknown): boolean {
  return typeof value === "function" &&
    (value === Thread || value.prototype instanceof Thread);
}

registerKind("Thread", {
  create(head) {
    const snapshot = head as Snapshot & { className?: string; module?: string };
    const thread = handleFor(snapshot.slot, snapshot.ident, snapshot)!;
    // A subclass's handle arrives as its subclass when the class is found here (in the
    // ticket's module, the modules loaded here, or the library: a Timer), else as a
    // plain Thread. The thread's own object (or one already of the class) is kept.
    if (snapshot.className !== undefined && thread.constructor === Thread) {
      const found = findLoaded(
        snapshot.className,
        undefined,
        isThreadClass,
        snapshot.module === undefined ? [] : [snapshot.module],
      );
      if (found !== undefined) {
        Object.setPrototypeOf(thread, (found.value as typeof Thread).prototype);
        upgraded.add(thread);
      }
    }
    return thread;
  },
  fill(object, body) {
    if (!upgraded.has(object as Thread)) return;
    upgraded.delete(object as Thread);
    Object.assign(object, body);
  },
});

/** The main thread's OS thread id (0 if unknown), written to its slot at the first call. */
export function mainNativeId(): number {
  const word = slotBase(0) + S_NATIVE_ID;
  let id = Atomics.load(i32, word);
  if (id === 0 && runtime.isMain) {
    id = osThreadId() ?? 0;
    Atomics.store(i32, word, id);
  }
  return id;
}

let osThreadIdCache: number | undefined | null = null;

/** The OS thread id of the calling isolate, if the platform tells it. */
export function osThreadId(): number | undefined {
  if (osThreadIdCache === null) osThreadIdCache = readOsThreadId();
  return osThreadIdCache;
}
