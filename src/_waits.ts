// Copyright the threading for Deno authors. MIT license.
/**
 * Who waits for what: each blocking call of this library records, in its thread's slot
 * of the shared thread table (`S_WAIT_...` words, see `_runtime.ts`), the kind of
 * primitive it waits on, the primitive's id, since when, whether without a timeout,
 * and the holder of the primitive as the waiter last saw it; the report of
 * `dumpThreads()` and the deadlock detector (`_deadlock.ts`) read these words from any
 * thread.
 *
 * The records cost nothing on the fast paths: a wait is recorded only when its caller
 * is about to sleep ({@linkcode beginWait}), and in a Worker only once it has slept
 * `QUIET_MS` (see `waitRecorded` in `_futex.ts`); a primitive's id, in a word of its own
 * slot, is stamped at its creation with one plain store ({@linkcode stampId}). A waiter without a timeout sleeps in slices and, at the
 * end of each slice in which its word did not change, bumps `S_WAIT_BEAT` (its
 * heartbeat: "still asleep, still nothing to wake me"), re-reads the holder, and the
 * first time writes where it waits (its stack) into its slot's site text.
 *
 * ## How often a waiter wakes to beat ({@linkcode nextBeatSlice})
 *
 * Only the deadlock detector needs the beats, and it watches only while the main thread
 * waits without a timeout, or once its code has finished with threads alive (the
 * runtime's `H_WATCHED` word, set by the main thread). Then a waiter beats every
 * {@linkcode BEAT_MS}. Otherwise its slices double from {@linkcode BEAT_MS} up to
 * {@linkcode IDLE_BEAT_MAX_MS}, so that a thread blocked for long costs next to no CPU
 * (a wake-up of a halted CPU costs 50-120 µs); when the detector starts to watch, each
 * waiter beats at the end of its current slice (at most {@linkcode IDLE_BEAT_MAX_MS}
 * later) and every {@linkcode BEAT_MS} from then on. A wait on an `RLock` beats every
 * {@linkcode BEAT_MS} always: its beat finds an owner that died ({@linkcode ownerDied}).
 *
 * ## `S_WAIT_KIND`
 *
 * | value | meaning |
 * | --- | --- |
 * | 0 | not waiting in this library |
 * | `kind` | waiting on that kind of primitive (see {@linkcode KINDS}) with a timeout |
 * | `kind + WAIT_FOREVER` | the same, without a timeout |
 *
 * `S_WAIT_SEQ` moves at every start and end of a recorded wait and at every start and
 * end of each futex sleep inside it: a reader that sees it unchanged between two reads
 * knows the waiter slept in between without waking.
 *
 * @module
 */
import { envVar, shownUnder } from "./_platform.ts";
import { SOURCE_DIR } from "./_self.ts";
import {
  current,
  H_HIGH,
  H_NEXT_WAIT_ID,
  H_TIME_BASE,
  H_WATCHED,
  runtime,
  S_ALIVE,
  S_WAIT_BEAT,
  S_WAIT_HOLDER,
  S_WAIT_ID,
  S_WAIT_KIND,
  S_WAIT_SEQ,
  S_WAIT_SINCE,
  slotBase,
  writeCreationSite,
  writeSiteText,
} from "./_runtime.ts";

/** Flag of `S_WAIT_KIND`: the wait has no timeout. */
export const WAIT_FOREVER = 0x100;
/** Slice of a recorded wait without a timeout, in milliseconds (its heartbeat). */
export const BEAT_MS = 100;

/**
 * Longest slice of a recorded wait without a timeout while the deadlock detector does
 * not watch, in milliseconds (see the module doc).
 */
export const IDLE_BEAT_MAX_MS = 800;

/**
 * The slice after one of `slice` ms of a wait without a timeout: {@linkcode BEAT_MS}
 * while the deadlock detector watches or the wait is on an `RLock`, else twice `slice`,
 * at most {@linkcode IDLE_BEAT_MAX_MS} (see the module doc).
 */
export function nextBeatSlice(slice: number): number {
  if (Atomics.load(runtime.i32, H_WATCHED) !== 0 || waitedKind === KIND_RLOCK) {
    return BEAT_MS;
  }
  return Math.min(slice * 2, IDLE_BEAT_MAX_MS);
}

/** Tells the waiters whether the deadlock detector watches their beats. Main thread. */
export function setWatched(watched: boolean): void {
  Atomics.store(runtime.i32, H_WATCHED, watched ? 1 : 0);
}

/**
 * What a kind of wait is: its name in reports, and where a primitive of that kind
 * keeps its lazily given id and its holder (word offsets from the primitive's first
 * word; -1: none).
 */
export interface WaitKind {
  /** The name in reports. */
  readonly name: string;
  /** Offset of the word holding the primitive's id. */
  readonly id: number;
  /** Offset of the word holding the holder's ident, or -1. */
  readonly holder: number;
  /** What the wait is for, after the primitive's name in reports (or ""). */
  readonly detail?: string;
}

/**
 * Kinds of wait, by `S_WAIT_KIND` value. The offsets are those of the primitives' id
 * and holder words (`L_ID`/`L_HOLDER`, `R_ID`/`R_OWNER`, `C_ID`, `SEM_ID`, `E_ID`,
 * `B_ID`, `Q_ID`; this module cannot import them: the primitives import it).
 */
export const KINDS: readonly WaitKind[] = [
  { name: "nothing", id: -1, holder: -1 },
  { name: "Lock", id: 3, holder: 2 },
  { name: "RLock", id: 4, holder: 2 },
  { name: "Condition", id: 3, holder: -1 },
  { name: "Semaphore", id: 3, holder: -1 },
  { name: "Event", id: 2, holder: -1 },
  { name: "Barrier", id: 7, holder: -1 },
  { name: "join", id: -1, holder: -1 },
  { name: "Queue", id: 17, holder: -1, detail: "(get: empty)" },
  { name: "sleep", id: -1, holder: -1 },
  { name: "Queue", id: 17, holder: -1, detail: "(put: full)" },
  { name: "Queue", id: 17, holder: -1, detail: "(join: tasks not done)" },
];
/** Kind: a `Lock`. */
export const KIND_LOCK = 1;
/** Kind: an `RLock`. */
export const KIND_RLOCK = 2;
/** Kind: a `Condition`'s wait (the lock is then waited on as its own kind). */
export const KIND_CONDITION = 3;
/** Kind: a `Semaphore` or `BoundedSemaphore`. */
export const KIND_SEMAPHORE = 4;
/** Kind: an `Event`. */
export const KIND_EVENT = 5;
/** Kind: a `Barrier`. */
export const KIND_BARRIER = 6;
/** Kind: `Thread.join()`: the id is the joined thread's ident. */
export const KIND_JOIN = 7;
/** Kind: a queue's blocking `get()`, waiting for an item. */
export const KIND_QUEUE_GET = 8;
/** Kind: `sleep()`. */
export const KIND_SLEEP = 9;
/** Kind: a queue's blocking `put()`, waiting for room. */
export const KIND_QUEUE_PUT = 10;
/** Kind: a queue's `join()`, waiting for every task to be done. */
export const KIND_QUEUE_JOIN = 11;

/**
 * The kind under which a primitive waited on as `kind` is numbered and keeps its
 * creation site: a queue's three waits are one queue.
 */
export function sameThing(kind: number): number {
  return kind === KIND_QUEUE_PUT || kind === KIND_QUEUE_JOIN ? KIND_QUEUE_GET : kind;
}

/** The waited-on primitive of this thread's current recorded wait, for its beats. */
let waitedOn: Int32Array | undefined;
let waitedHolder = -1;
let waitedKind = 0;
let siteWritten = false;
/** Whether this thread's current recorded wait has no timeout. */
export let waitingForever = false;
/** Whether this thread is in a recorded wait now. */
export let inRecordedWait = false;
/**
 * Depth of sections in which a blocking wait of the main thread must not be
 * interrupted (see {@linkcode interruptible}).
 */
let noInterrupt = 0;

/**
 * Whether the main thread's current wait may run the slice hook (signal listeners, the
 * deadlock detector), which may throw out of it: only a recorded wait (a primitive's
 * wait, `join()`, `sleep()`) outside an {@linkcode uninterruptible} section. Internal
 * waits (a primitive's own mutex, a thread's start) are never interrupted, so that an
 * error never leaves a primitive half-changed.
 */
export function interruptible(): boolean {
  return inRecordedWait && noInterrupt === 0;
}

/** Runs `fn` with the main thread's waits uninterruptible (see {@linkcode interruptible}). */
export function uninterruptible<T>(fn: () => T): T {
  noInterrupt++;
  try {
    return fn();
  } finally {
    noInterrupt--;
  }
}
/**
 * The ident of the dead owner of the `RLock` this thread waits on, once a beat found
 * it dead (0: none): the wait ends and the caller takes the lock over (`rlock.ts`).
 */
export let ownerDied = 0;

/** Takes the dead owner found by a beat (see {@linkcode ownerDied}), clearing it. */
export function takeOwnerDied(): number {
  const ident = ownerDied;
  ownerDied = 0;
  return ident;
}

/** Milliseconds since `H_TIME_BASE`, for `S_WAIT_SINCE`. */
export function sinceBase(): number {
  return Date.now() - Atomics.load(runtime.i32, H_TIME_BASE) * 1000;
}

/**
 * The id of the primitive whose first word is `i32[at]`, of kind `kind`: its stable id
 * (see {@linkcode stampId}), else given once, lazily, from `H_NEXT_WAIT_ID`, and kept
 * in the primitive's own slot.
 */
export function primitiveId(kind: number, i32: Int32Array, at: number): number {
  const offset = KINDS[kind].id;
  if (offset < 0) return 0;
  const word = at + offset;
  const id = Atomics.load(i32, word);
  if (id !== 0) return id;
  const fresh = ID_LAZY + Atomics.add(runtime.i32, H_NEXT_WAIT_ID, 1) + 1;
  const seen = Atomics.compareExchange(i32, word, 0, fresh);
  return seen === 0 ? fresh : seen;
}

/**
 * Stable ids: a primitive gets its id when it is created, from the creating thread's
 * ident and its count of primitives of that kind: `ident * ID_COUNT + n`, written as
 * `#n` for the main thread (ident 1) and `#ident.n` for another thread (see
 * {@linkcode idText}), so a program that creates its primitives in the same order
 * gets the same ids from run to run. Past {@linkcode ID_IDENTS} idents or
 * {@linkcode ID_COUNT} primitives of one kind in one thread, the id is given lazily
 * instead (see {@linkcode primitiveId}), above `ID_LAZY`.
 */
const ID_COUNT = 65536;
/** Idents that get stable ids (below `ID_LAZY / ID_COUNT`). */
const ID_IDENTS = 16384;
/** Base of the lazily given ids. */
const ID_LAZY = ID_IDENTS * ID_COUNT;
/** Primitives created by this thread so far, by kind (see `stampId`). */
const created: number[] = KINDS.map(() => 0);
/** The thread whose counts `created` holds (a Worker runs one thread after another). */
let createdBy = 0;

/**
 * Gives the primitive of kind `kind` whose first word is `i32[at]`, just created by
 * this thread, its stable id (one plain store into its fresh words).
 */
export function stampId(kind: number, i32: Int32Array, at: number): void {
  const ident = current.ident;
  if (ident !== createdBy) {
    createdBy = ident;
    created.fill(0);
  }
  const n = ++created[kind];
  if (n < ID_COUNT && ident > 0 && ident < ID_IDENTS) {
    i32[at + KINDS[kind].id] = ident * ID_COUNT + n;
  }
}

/** An id as reports write it after `#`: `3` (main thread), `2.5`, or `?7` (lazy). */
export function idText(id: number): string {
  if (id >= ID_LAZY) return `?${id - ID_LAZY}`;
  const ident = Math.floor(id / ID_COUNT);
  const n = id % ID_COUNT;
  return ident === 1 ? `${n}` : `${ident}.${n}`;
}

/**
 * Least timeout of a timed wait whose site {@linkcode beginWait} writes at once, in
 * milliseconds: capturing a stack costs 5-20 µs, nothing next to such a wait.
 */
export const SITE_NOW_MS = 100;

/**
 * Records that the current thread is about to sleep on a primitive of kind `kind`
 * whose first word is `i32[at]` (or, with `i32` undefined, on the thing `at` names: a
 * joined thread's ident), for `timeoutMs` milliseconds (`Infinity` when `forever`).
 * Pair it with {@linkcode endWait} in a `finally`.
 */
export function beginWait(
  kind: number,
  i32: Int32Array | undefined,
  at: number,
  forever: boolean,
  timeoutMs: number = forever ? Infinity : 0,
): void {
  const slot = current.slot;
  if (slot < 0) return;
  const rt = runtime.i32;
  const base = slotBase(slot);
  const holder = i32 === undefined ? -1 : KINDS[kind].holder;
  waitedOn = i32;
  waitedKind = kind;
  waitedHolder = holder < 0 ? -1 : at + holder;
  waitingForever = forever;
  inRecordedWait = true;
  // Where an earlier wait was is not where this one is. A wait without a timeout
  // writes its own at its first beat (no `at` line until then); a timed wait never
  // beats: one that may last {@linkcode SITE_NOW_MS} or more writes it now.
  siteWritten = !forever && timeoutMs >= SITE_NOW_MS;
  writeSiteText(slot, siteWritten ? waitSite(deepStack()) : "");
  Atomics.store(
    rt,
    base + S_WAIT_ID,
    i32 === undefined ? at : primitiveId(kind, i32, at),
  );
  Atomics.store(
    rt,
    base + S_WAIT_HOLDER,
    i32 === undefined || holder < 0 ? 0 : Atomics.load(i32, at + holder),
  );
  Atomics.store(rt, base + S_WAIT_SINCE, sinceBase());
  Atomics.store(rt, base + S_WAIT_KIND, kind | (forever ? WAIT_FOREVER : 0));
  Atomics.add(rt, base + S_WAIT_SEQ, 1);
}

/** Ends the current thread's recorded wait. */
export function endWait(): void {
  const slot = current.slot;
  if (slot < 0) return;
  const base = slotBase(slot);
  waitedOn = undefined;
  waitingForever = false;
  inRecordedWait = false;
  Atomics.store(runtime.i32, base + S_WAIT_KIND, 0);
  Atomics.add(runtime.i32, base + S_WAIT_SEQ, 1);
}

/** Marks the start or the end of one futex sleep inside a recorded wait. */
export function markSleep(): void {
  const slot = current.slot;
  if (slot >= 0) Atomics.add(runtime.i32, slotBase(slot) + S_WAIT_SEQ, 1);
}

/**
 * The heartbeat of a sleeping waiter whose word did not change during a slice: bumps
 * `S_WAIT_BEAT`, re-reads the holder and, the first time, writes where it waits.
 *
 * @returns false if the wait must end now: the `RLock` it waits on has a dead owner
 * (see {@linkcode ownerDied}).
 */
export function beat(): boolean {
  const slot = current.slot;
  if (slot < 0) return true;
  const rt = runtime.i32;
  const base = slotBase(slot);
  if (waitedOn !== undefined && waitedHolder >= 0) {
    const holder = Atomics.load(waitedOn, waitedHolder);
    Atomics.store(rt, base + S_WAIT_HOLDER, holder);
    if (waitedKind === KIND_RLOCK && holder !== 0 && !identAlive(holder)) {
      ownerDied = holder;
      return false;
    }
  }
  if (!siteWritten) {
    siteWritten = true;
    writeSiteText(slot, waitSite(deepStack()));
  }
  Atomics.add(rt, base + S_WAIT_BEAT, 1);
  return true;
}

/**
 * This library's folder (its modules, or the bundle in `src/_bundle/`) as a URL
 * (`file:///...`) and, for Bun's stacks, as a path.
 */
const LIBRARY_FORMS = [SOURCE_DIR].concat(
  SOURCE_DIR.startsWith("file:")
    ? [decodeURIComponent(new URL(SOURCE_DIR).pathname)]
    : [],
);

/**
 * A frame of the runtime's own code: Deno's `ext:`, Node's `node:internal/...`, Bun's
 * `native`.
 */
const RUNTIME_FRAME =
  /\((?:ext|node):[^)]*\)$|^at (?:ext|node):|\(native(?::[^)]*)?\)$|^at native/;

/**
 * The frames of a stack that are the caller's code, not this library's nor the
 * runtime's (V8's and Bun's forms: a module by URL or by path).
 */
export function waitSite(stack: string): string {
  const frames = stack.split("\n").slice(1).map((line) => line.trim());
  const outside = frames.filter((f) =>
    f.startsWith("at ") && !LIBRARY_FORMS.some((mine) => f.includes(mine)) &&
    !RUNTIME_FRAME.test(f) &&
    // Deno shows a file URL partly decoded (a library in `my libs/`: `shownUnder`).
    !shownUnder(/\(?((?:file|https?):[^)]*?):\d+:\d+\)?$/.exec(f)?.[1] ?? "", SOURCE_DIR)
  );
  return outside.slice(0, 3).join("\n");
}

/** A stack deep enough to reach the caller's frames below this library's. */
function deepStack(): string {
  const limit = (Error as { stackTraceLimit?: number }).stackTraceLimit;
  (Error as { stackTraceLimit?: number }).stackTraceLimit = 40;
  try {
    return new Error().stack ?? "";
  } finally {
    (Error as { stackTraceLimit?: number }).stackTraceLimit = limit;
  }
}

/**
 * Whether primitives record where they are created (`THREADING_DEBUG=1` in the
 * environment, read only where `--allow-env` grants it). Off by default: capturing a
 * stack costs microseconds, and `new Lock()` tens of nanoseconds.
 */
export const recordCreation: boolean = (() => {
  return envVar("THREADING_DEBUG") === "1";
})();

/**
 * Records where the primitive of kind `kind` whose first word is `i32[at]` is created
 * (call only when {@linkcode recordCreation}): gives it its id now.
 */
export function noteCreation(kind: number, i32: Int32Array, at: number): void {
  const site = waitSite(deepStack()).split("\n")[0] ?? "";
  writeCreationSite(
    primitiveId(kind, i32, at),
    sameThing(kind),
    site.replace(/^at /, ""),
  );
}

/** The slot of the live thread `ident`, or -1 if it is not alive. */
export function slotOfIdent(ident: number): number {
  if (ident <= 0) return -1;
  const rt = runtime.i32;
  const high = Atomics.load(rt, H_HIGH);
  for (let slot = 0; slot < high; slot++) {
    if (Atomics.load(rt, slotBase(slot) + S_ALIVE) === ident) return slot;
  }
  return -1;
}

/** Whether the thread `ident` is alive (started and not ended). */
export function identAlive(ident: number): boolean {
  return slotOfIdent(ident) >= 0;
}
