// Copyright the threading for Deno authors. MIT license.
/**
 * The shared runtime: one SharedArrayBuffer that every thread of the program maps, with
 * the thread table behind `enumerate()`, the counters behind idents and default names,
 * and a few shared texts (the excepthook's and the logging configuration). The main
 * thread creates it, with a growable buffer of async wait nodes (`_async_nodes.ts`);
 * every Worker receives both in its start-up data.
 *
 * ## Header words (`Int32Array` indexes)
 *
 * | word | meaning | who moves it |
 * | --- | --- | --- |
 * | `H_NEXT_IDENT` | next thread ident to hand out (the main thread is 1) | `Atomics.add` by a starter |
 * | `H_NEXT_NUMBER` | next `N` of a default name `Thread-N` | `Atomics.add` by a constructor |
 * | `H_NON_DAEMON` | non-daemon threads alive or starting, the main thread excluded; notified at each drop | +1 by a starter (`countStart`), -1 as the thread ends (`endThread`) or fails to start (`abandonStart`) |
 * | `H_HIGH` | one past the highest thread-table slot ever used | `Atomics.max`-like CAS by a starter |
 * | `H_OID` | next shared-object id of the codec | `Atomics.add` by an encoder |
 * | `H_REQUESTS` | requests posted to the main thread and not yet served | +1 by a poster, -1 by the main thread |
 * | `H_ENDED` | 1 once the main program has ended (its `unload`: a `deno run --watch` restart too); every Worker then ends itself at its next wait slice (`_program_end.ts`) | the main thread, once |
 * | `H_NEXT_SLOT` | where the next search for a free slot begins (a hint: slots are handed out round robin) | stored by a starter |
 * | `H_WRITE_LOCK` | the output lock (2 words): a mutex around one line's write | `writeWhole` in `_output.ts` |
 * | `H_NEXT_WAIT_ID` | next id of a primitive that someone waited on (ids are given lazily, see `_waits.ts`) | `Atomics.add` by a waiter |
 * | `H_TIME_BASE` | the runtime's creation time, in seconds since the Unix epoch: `S_WAIT_SINCE` counts from it | the main thread, once |
 * | `H_WARNED` | bits: the warnings of the library already printed (once per process: `WARNED_*` of `_warn_once.ts`) | `Atomics.or` by the thread that warns |
 * | `H_WATCHED` | 1 while the deadlock detector watches (the main thread in a wait without a timeout, or its code finished with threads alive), else 0: waiters without a timeout then beat every `BEAT_MS` (see `_waits.ts`) | the main thread (`dump.ts`, `_futex.ts`) |
 *
 * ## A thread-table slot (`SLOT_WORDS` words from `slotBase(slot)`)
 *
 * | word | values | meaning |
 * | --- | --- | --- |
 * | `S_IDENT` | 0 / ident | 0: free; otherwise the slot belongs to that thread, from its `start()` until it has ended (or, for a start given up on, until its Worker has let go) |
 * | `S_ALIVE` | 0 / ident | the ident while the thread runs, else 0; `join()` waits on it |
 * | `S_START` | `START_PENDING` / `START_RUNNING` / `START_FAILED` / `START_ABANDONED` | the starter waits on it; on failure the error text holds why; abandoned: the starter gave up waiting and left the slot to the job's Worker, which gives it back when it reports or dies |
 * | `S_DAEMON` | 0 / 1 | the daemon flag |
 * | `S_NATIVE_ID` | 0 / id | the OS thread id, where the platform tells it; kept after the end, as CPython keeps `native_id` |
 * | `S_NAME_SEQ` | even / odd | seqlock of the name: odd while a writer changes it |
 * | `S_NAME_LEN` | bytes | length of the UTF-8 name in the name area |
 * | `S_TEXT_LEN` | bytes | length of the UTF-8 error text in the text area |
 * | `S_PARK` | any | the thread's park word, for a primitive's wait queue |
 * | `S_LINK` | 0 / slot + 1 | the thread's link in an intrusive wait queue |
 * | `S_RECORD` | 0 / ident | the thread whose record (name, daemon flag, native id) the slot holds: set by the starter right after it takes `S_IDENT`, before it writes the record; kept after the thread ends, until the slot is taken again |
 * | `S_WAIT_KIND` | 0 / kind (+ `WAIT_FOREVER`) | what the thread blocks in now (see `_waits.ts`), and whether without a timeout |
 * | `S_WAIT_ID` | id | the id of the primitive it waits on (a thread ident for a join) |
 * | `S_WAIT_SINCE` | ms | when the wait began, from `H_TIME_BASE` |
 * | `S_WAIT_HOLDER` | 0 / ident | the holder of what it waits on, as last seen by the waiter |
 * | `S_WAIT_SEQ` | count | +1 at every start and end of a wait and of every futex sleep in it |
 * | `S_WAIT_BEAT` | count | +1 each time a sleeping waiter finds its word unchanged after a slice |
 *
 * Slot 0 is the main thread's, ident 1, named `MainThread`.
 *
 * ## A thread's record outlives it
 *
 * A `Thread` handle reads its thread's name, flags and native id from the slot only
 * while `S_RECORD` holds the thread's ident, checked before and after the read (the
 * name under its seqlock too), and keeps what it read as its snapshot. Once the slot
 * holds another thread's record, the handle answers from that snapshot: it never
 * describes another thread. A rename writes the slot only while `S_RECORD` still holds
 * the renamed thread (checked under the name's seqlock). Slots are handed out round
 * robin from `H_NEXT_SLOT`, so an ended thread's record stays readable for at least as
 * many starts as there are free slots.
 *
 * @module
 */
import { RangeError } from "./_caller_stack.ts";
import { isMainThread as nodeIsMainThread, workerData } from "node:worker_threads";
import { reclaimThread } from "./_reclaim.ts";

/** Number of thread-table slots: the most threads alive at once, the main one included. */
export const MAX_THREADS = 1024;
/** Largest thread name, in bytes of UTF-8. */
export const NAME_BYTES = 256;
/** Largest start-failure text kept per slot, in bytes of UTF-8. */
export const TEXT_BYTES = 2048;
/** Size of one shared text (see {@linkcode SharedTextKey}), in bytes of UTF-8. */
export const SHARED_TEXT_BYTES = 16384;

/** Next thread ident to hand out. */
export const H_NEXT_IDENT = 0;
/** Next number of a default thread name. */
export const H_NEXT_NUMBER = 1;
/** Non-daemon threads alive or starting, the main thread excluded. */
export const H_NON_DAEMON = 2;
/** One past the highest slot ever used. */
export const H_HIGH = 3;
/** Next codec object id. */
export const H_OID = 4;
/** Requests posted to the main thread and not yet served. */
export const H_REQUESTS = 5;
/** Where the next search for a free slot begins (a hint; round robin). */
export const H_NEXT_SLOT = 6;
/** 1 once the main program has ended (its isolate unloads; see `_program_end.ts`). */
export const H_ENDED = 7;
/**
 * The output lock (two words, see `_lock_algorithm.ts`): held while one thread writes a
 * line to stdout or stderr, so that lines of different threads never mix.
 */
export const H_WRITE_LOCK = 8;
/** Next lazily given id of a primitive (see `_waits.ts`). */
export const H_NEXT_WAIT_ID = 10;
/** The runtime's creation time in seconds since the Unix epoch. */
export const H_TIME_BASE = 11;
/** Bits: the once-per-process warnings already printed (see `_warn_once.ts`). */
export const H_WARNED = 14;
/** 1 while the deadlock detector watches the waiters' heartbeats (see `_waits.ts`). */
export const H_WATCHED = 15;
/** Words in the header. */
const HEADER_WORDS = 16;

/** Slot word: the owning thread's ident, or 0 when free. */
export const S_IDENT = 0;
/** Slot word: the ident while the thread runs, else 0. */
export const S_ALIVE = 1;
/** Slot word: start status. */
export const S_START = 2;
/** Slot word: daemon flag. */
export const S_DAEMON = 3;
/** Slot word: OS thread id or 0. */
export const S_NATIVE_ID = 4;
/** Slot word: name seqlock. */
export const S_NAME_SEQ = 5;
/** Slot word: name length in bytes. */
export const S_NAME_LEN = 6;
/** Slot word: error text length in bytes. */
export const S_TEXT_LEN = 7;
/**
 * Slot word: the thread's own park word, free for a primitive's wait queue (a thread
 * waits in at most one queue at a time): a waiter parks on it, a waker changes it and
 * notifies it.
 */
export const S_PARK = 8;
/** Slot word: the thread's link in an intrusive wait queue (next slot + 1, 0 = none). */
export const S_LINK = 9;
/**
 * Slot word: the ident of the thread whose record (name, daemon flag, native id) the
 * slot holds, kept after that thread has ended until the slot is taken again.
 */
export const S_RECORD = 10;
/** Slot word: what the thread blocks in (a kind of `_waits.ts`, + `WAIT_FOREVER`). */
export const S_WAIT_KIND = 11;
/** Slot word: the id of the primitive the thread waits on. */
export const S_WAIT_ID = 12;
/** Slot word: when the wait began, in ms from `H_TIME_BASE`. */
export const S_WAIT_SINCE = 13;
/** Slot word: the holder of what the thread waits on, as it last saw it. */
export const S_WAIT_HOLDER = 14;
/** Slot word: +1 at each start and end of a wait and of each futex sleep in it. */
export const S_WAIT_SEQ = 15;
/** Slot word: +1 each time a sleeping waiter finds its word unchanged. */
export const S_WAIT_BEAT = 16;
/** Words in one slot. */
export const SLOT_WORDS = 32;

/** `S_START`: the starter waits. */
export const START_PENDING = 0;
/** `S_START`: the thread runs. */
export const START_RUNNING = 1;
/** `S_START`: the thread could not start; the slot's text says why. */
export const START_FAILED = 2;
/**
 * `S_START`: the starter gave up waiting (its start threw); the slot stays taken until
 * the job's Worker, reporting late or dying, gives it back, so that it never writes the
 * slot of a later thread.
 */
export const START_ABANDONED = 3;

/** Keys of the shared texts. */
export const SharedTextKey = {
  /** The excepthook set with `setExcepthook`, as a JSON reference. */
  EXCEPTHOOK: 0,
  /** The logging configuration made with `basicConfig`, as JSON. */
  LOGGING: 1,
  /** Free for another part of the library. */
  SPARE_1: 2,
  /** Free for another part of the library. */
  SPARE_2: 3,
} as const;
const SHARED_TEXTS = 4;
/** Words per shared text: seqlock, length. */
const TEXT_HEADER_WORDS = 2;

const SLOTS_OFFSET = HEADER_WORDS * 4;
const NAMES_OFFSET = SLOTS_OFFSET + MAX_THREADS * SLOT_WORDS * 4;
const TEXTS_OFFSET = NAMES_OFFSET + MAX_THREADS * NAME_BYTES;
const SHARED_HEADERS_OFFSET = TEXTS_OFFSET + MAX_THREADS * TEXT_BYTES;
const SHARED_BODIES_OFFSET = SHARED_HEADERS_OFFSET + SHARED_TEXTS * TEXT_HEADER_WORDS * 4;
const SITES_OFFSET = SHARED_BODIES_OFFSET + SHARED_TEXTS * SHARED_TEXT_BYTES;
/** Bytes per slot of the text of where its thread waits (see `_waits.ts`). */
export const SITE_BYTES = 512;
const CREATIONS_OFFSET = SITES_OFFSET + MAX_THREADS * SITE_BYTES;
/** Entries of the table of creation sites (`THREADING_DEBUG=1`, see `_waits.ts`). */
export const CREATION_ENTRIES = 1024;
/**
 * Largest size of {@linkcode Runtime.nodes}, in bytes: a header line and 2^22 nodes of
 * two words (32 MiB of address space, reserved at creation; memory is taken as it grows).
 */
export const NODES_MAX_BYTES = 64 + 2 ** 22 * 8;
/** Bytes of an entry of the table of creation sites: id, length, text. */
export const CREATION_BYTES = 256;
const RUNTIME_BYTES = CREATIONS_OFFSET + CREATION_ENTRIES * CREATION_BYTES;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The key under which a Worker's start-up data carries the runtime. */
export const BOOT_KEY = "@threading/threading:boot";

/** The shared runtime as one isolate sees it. */
export interface Runtime {
  /** The buffer shared by every thread. */
  readonly sab: SharedArrayBuffer;
  /**
   * The growable buffer of the async wait nodes that conditions take past their own
   * (see `_async_nodes.ts`), shared by every thread; empty until first needed.
   */
  readonly nodes: SharedArrayBuffer;
  /** Its words. */
  readonly i32: Int32Array;
  /** Its bytes. */
  readonly u8: Uint8Array;
  /** Whether this isolate is the program's main thread. */
  readonly isMain: boolean;
}

function createRuntime(): Runtime {
  const sab = new SharedArrayBuffer(RUNTIME_BYTES);
  const rt: Runtime = {
    sab,
    nodes: new SharedArrayBuffer(0, { maxByteLength: NODES_MAX_BYTES }),
    i32: new Int32Array(sab),
    u8: new Uint8Array(sab),
    isMain: true,
  };
  rt.i32[H_NEXT_IDENT] = 2;
  rt.i32[H_NEXT_NUMBER] = 1;
  rt.i32[H_HIGH] = 1;
  rt.i32[H_OID] = 1;
  rt.i32[H_NEXT_SLOT] = 1;
  rt.i32[H_TIME_BASE] = Math.floor(Date.now() / 1000);
  const base = slotBase(0);
  rt.i32[base + S_IDENT] = 1;
  rt.i32[base + S_RECORD] = 1;
  rt.i32[base + S_ALIVE] = 1;
  rt.i32[base + S_START] = START_RUNNING;
  writeName(rt, 0, "MainThread");
  return rt;
}

/** What a Worker of this library receives at start-up. */
export interface BootData {
  /** The shared runtime. */
  runtime: SharedArrayBuffer;
  /** The shared async wait nodes (see {@linkcode Runtime.nodes}). */
  nodes: SharedArrayBuffer;
  /** The Worker's control words (see `_worker.ts`). */
  control: SharedArrayBuffer;
  /** The Worker's end of its channel with the main thread. */
  port: import("node:worker_threads").MessagePort;
  /** The Worker's heap limit (V8's old generation), in MB, as the pool set it. */
  heapLimitMb?: number;
}

/** The start-up data of a Worker of this library, if this isolate is one. */
export const bootData: BootData | undefined =
  !nodeIsMainThread && workerData && typeof workerData === "object" &&
    BOOT_KEY in workerData
    ? (workerData as Record<string, BootData>)[BOOT_KEY]
    : undefined;

/** This isolate's view of the shared runtime. */
export const runtime: Runtime = bootData
  ? {
    sab: bootData.runtime,
    nodes: bootData.nodes,
    i32: new Int32Array(bootData.runtime),
    u8: new Uint8Array(bootData.runtime),
    isMain: false,
  }
  : createRuntime();

/** Index of the first word of a slot. */
export function slotBase(slot: number): number {
  return HEADER_WORDS + slot * SLOT_WORDS;
}

/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/**
 * The bytes of a thread name, checked.
 *
 * @throws {RangeError} If the name is longer than {@linkcode NAME_BYTES} bytes of UTF-8.
 */
export function nameBytes(name: string, action: string): Uint8Array {
  const bytes = utf8(name);
  if (bytes.length > NAME_BYTES) {
    throw new RangeError(
      `${action}: a name is at most ${NAME_BYTES} bytes of UTF-8, received ${bytes.length}`,
    );
  }
  return bytes;
}

/**
 * Writes a thread's name into its slot, under the slot's seqlock, if the slot still
 * holds the record of `owner` (any record when `owner` is omitted).
 *
 * @returns Whether it wrote the name (false: the slot holds another thread's record).
 * @throws {RangeError} If the name is longer than {@linkcode NAME_BYTES} bytes.
 */
export function writeName(
  rt: Runtime,
  slot: number,
  name: string,
  owner?: number,
): boolean {
  const bytes = nameBytes(name, "Cannot set thread name");
  const seq = slotBase(slot) + S_NAME_SEQ;
  // Take the seqlock: move it from even to odd.
  for (;;) {
    const s = Atomics.load(rt.i32, seq);
    if ((s & 1) === 0 && Atomics.compareExchange(rt.i32, seq, s, s + 1) === s) break;
  }
  // A starter sets S_RECORD before it takes this seqlock: checked under it, a record
  // taken over is never written.
  const mine = owner === undefined ||
    Atomics.load(rt.i32, slotBase(slot) + S_RECORD) === owner;
  if (mine) {
    rt.u8.set(bytes, NAMES_OFFSET + slot * NAME_BYTES);
    Atomics.store(rt.i32, slotBase(slot) + S_NAME_LEN, bytes.length);
  }
  Atomics.add(rt.i32, seq, 1);
  return mine;
}

/** The name seqlock word of a slot, even when stable: a cache key for the name. */
export function nameVersion(rt: Runtime, slot: number): number {
  return Atomics.load(rt.i32, slotBase(slot) + S_NAME_SEQ);
}

/**
 * Reads a thread's name from its slot, retrying while a writer changes it.
 *
 * @param owner When given, the ident whose record the slot must hold, before and after
 * the read.
 * @returns The name, or `undefined` if the slot holds another thread's record.
 */
export function readName(rt: Runtime, slot: number, owner?: number): string | undefined {
  const seq = slotBase(slot) + S_NAME_SEQ;
  const record = slotBase(slot) + S_RECORD;
  for (;;) {
    const before = Atomics.load(rt.i32, seq);
    if (before & 1) continue;
    if (owner !== undefined && Atomics.load(rt.i32, record) !== owner) return undefined;
    const len = Atomics.load(rt.i32, slotBase(slot) + S_NAME_LEN);
    const start = NAMES_OFFSET + slot * NAME_BYTES;
    const copy = rt.u8.slice(start, start + len);
    if (owner !== undefined && Atomics.load(rt.i32, record) !== owner) return undefined;
    if (Atomics.load(rt.i32, seq) === before) return decoder.decode(copy);
  }
}

/** Writes the start-failure text of a slot (cut to fit). */
export function writeSlotText(rt: Runtime, slot: number, text: string): void {
  let bytes = utf8(text);
  if (bytes.length > TEXT_BYTES) bytes = bytes.subarray(0, TEXT_BYTES);
  rt.u8.set(bytes, TEXTS_OFFSET + slot * TEXT_BYTES);
  Atomics.store(rt.i32, slotBase(slot) + S_TEXT_LEN, bytes.length);
}

/** Writes the text of where the thread of a slot waits (cut to fit). */
export function writeSiteText(slot: number, text: string): void {
  let bytes = utf8(text);
  if (bytes.length > SITE_BYTES - 4) bytes = bytes.subarray(0, SITE_BYTES - 4);
  const at = SITES_OFFSET + slot * SITE_BYTES;
  runtime.u8.set(bytes, at + 4);
  Atomics.store(runtime.i32, at >> 2, bytes.length);
}

/** Reads the text of where the thread of a slot waits (`""`: none). */
export function readSiteText(slot: number): string {
  const at = SITES_OFFSET + slot * SITE_BYTES;
  const len = Atomics.load(runtime.i32, at >> 2);
  return decoder.decode(runtime.u8.slice(at + 4, at + 4 + len));
}

/**
 * Writes where the primitive `id` of kind `kind` was created into the table of creation
 * sites (entry `(id + 131 kind) mod CREATION_ENTRIES`; a later primitive may take the
 * entry over). Entry words: the id, then the text's length + `kind << 16`, then the text.
 */
export function writeCreationSite(id: number, kind: number, text: string): void {
  let bytes = utf8(text);
  if (bytes.length > CREATION_BYTES - 8) bytes = bytes.subarray(0, CREATION_BYTES - 8);
  const at = creationEntry(id, kind);
  Atomics.store(runtime.i32, at >> 2, 0);
  runtime.u8.set(bytes, at + 8);
  Atomics.store(runtime.i32, (at >> 2) + 1, bytes.length | (kind << 16));
  Atomics.store(runtime.i32, at >> 2, id);
}

/** Where the primitive `id` of kind `kind` was created, if recorded (`""`: unknown). */
export function readCreationSite(id: number, kind: number): string {
  const at = creationEntry(id, kind);
  if (Atomics.load(runtime.i32, at >> 2) !== id) return "";
  const word = Atomics.load(runtime.i32, (at >> 2) + 1);
  if (word >>> 16 !== kind) return "";
  const len = word & 0xffff;
  const text = decoder.decode(runtime.u8.slice(at + 8, at + 8 + len));
  return Atomics.load(runtime.i32, at >> 2) === id ? text : "";
}

/** The byte offset of the creation-site entry of the primitive `id` of kind `kind`. */
function creationEntry(id: number, kind: number): number {
  return CREATIONS_OFFSET + ((id + kind * 131) % CREATION_ENTRIES) * CREATION_BYTES;
}

/** Reads the start-failure text of a slot. */
export function readSlotText(rt: Runtime, slot: number): string {
  const len = Atomics.load(rt.i32, slotBase(slot) + S_TEXT_LEN);
  const start = TEXTS_OFFSET + slot * TEXT_BYTES;
  return decoder.decode(rt.u8.slice(start, start + len));
}

function sharedHeader(key: number): number {
  return SHARED_HEADERS_OFFSET / 4 + key * TEXT_HEADER_WORDS;
}

/**
 * Replaces a shared text, seen by every thread.
 *
 * @throws {RangeError} If the text is longer than {@linkcode SHARED_TEXT_BYTES}.
 */
export function writeSharedText(key: number, text: string, what: string): void {
  const bytes = utf8(text);
  if (bytes.length > SHARED_TEXT_BYTES) {
    throw new RangeError(
      `Cannot share ${what}: at most ${SHARED_TEXT_BYTES} bytes, received ${bytes.length}`,
    );
  }
  const seq = sharedHeader(key);
  const i32 = runtime.i32;
  for (;;) {
    const s = Atomics.load(i32, seq);
    if ((s & 1) === 0 && Atomics.compareExchange(i32, seq, s, s + 1) === s) break;
  }
  runtime.u8.set(bytes, SHARED_BODIES_OFFSET + key * SHARED_TEXT_BYTES);
  Atomics.store(i32, seq + 1, bytes.length);
  Atomics.add(i32, seq, 1);
}

/** The version of a shared text: changes whenever it is written; 0 if never written. */
export function sharedTextVersion(key: number): number {
  return Atomics.load(runtime.i32, sharedHeader(key));
}

/** Reads a shared text (`""` if never written) with its version. */
export function readSharedText(key: number): { text: string; version: number } {
  const seq = sharedHeader(key);
  const i32 = runtime.i32;
  for (;;) {
    const before = Atomics.load(i32, seq);
    if (before & 1) continue;
    const len = Atomics.load(i32, seq + 1);
    const start = SHARED_BODIES_OFFSET + key * SHARED_TEXT_BYTES;
    const copy = runtime.u8.slice(start, start + len);
    if (Atomics.load(i32, seq) === before) {
      return { text: decoder.decode(copy), version: before };
    }
  }
}

/**
 * The thread this isolate runs now: the main thread (slot 0, ident 1) or, in a Worker,
 * the thread whose job it runs (a Worker runs one thread at a time and is reused).
 */
export const current: { ident: number; slot: number } = bootData
  ? { ident: 0, slot: -1 }
  : { ident: 1, slot: 0 };

/** Counts a thread that is about to start (its starter calls this before dispatching). */
export function countStart(daemon: boolean): void {
  if (!daemon) Atomics.add(runtime.i32, H_NON_DAEMON, 1);
}

function countEnd(daemon: boolean): void {
  if (!daemon) {
    Atomics.sub(runtime.i32, H_NON_DAEMON, 1);
    Atomics.notify(runtime.i32, H_NON_DAEMON);
  }
}

/**
 * Ends the thread `ident` in its slot, once, whoever notices first (its Worker as the
 * thread returns or exits, or the main thread when the Worker died): the records its
 * pending async waits left in primitives are reclaimed (in its own isolate, see
 * `_reclaim.ts`), its joiners wake, the exit rules stop counting it, and the slot is
 * free again.
 *
 * @returns Whether this call ended it (false: it had ended already).
 */
export function endThread(slot: number, ident: number, daemon: boolean): boolean {
  const base = slotBase(slot);
  if (Atomics.compareExchange(runtime.i32, base + S_ALIVE, ident, 0) !== ident) {
    return false;
  }
  // In the thread's own isolate, undo what its pending async waits left in primitives
  // (see `_reclaim.ts`) before its joiners wake.
  if (ident === current.ident) reclaimThread();
  // A thread that died inside a wait (its Worker was killed) waits no more.
  Atomics.store(runtime.i32, base + S_WAIT_KIND, 0);
  Atomics.add(runtime.i32, base + S_WAIT_SEQ, 1);
  countEnd(daemon);
  Atomics.compareExchange(runtime.i32, base + S_IDENT, ident, 0);
  // Joiners wake once the thread is not counted and its slot is free (a join returns
  // with the thread's state cleaned up, as CPython's).
  Atomics.notify(runtime.i32, base + S_ALIVE);
  return true;
}

/**
 * Gives back the count of a thread that failed to start, and its slot unless
 * `keepSlot` (a start abandoned while its Worker may still write the slot).
 */
export function abandonStart(
  slot: number,
  ident: number,
  daemon: boolean,
  keepSlot = false,
): void {
  countEnd(daemon);
  if (!keepSlot) Atomics.compareExchange(runtime.i32, slotBase(slot) + S_IDENT, ident, 0);
}

/**
 * Gives back the slot of a start that its starter gave up on (the starter left it to
 * the job's Worker so that no later thread's slot is written by it).
 */
export function releaseAbandoned(job: { slot: number; ident: number }): void {
  const base = slotBase(job.slot);
  if (
    Atomics.load(runtime.i32, base + S_IDENT) === job.ident &&
    Atomics.load(runtime.i32, base + S_START) === START_ABANDONED
  ) {
    Atomics.compareExchange(runtime.i32, base + S_IDENT, job.ident, 0);
  }
}

/**
 * Fails the pending start of `job` with `text` (`"<error name>\n<message>"`), for its
 * starter to throw; or, if its starter gave up, gives its slot back. Writes nothing if
 * the slot is no longer the job's (generation check: `S_IDENT`).
 */
export function failStart(job: { slot: number; ident: number }, text: string): void {
  const base = slotBase(job.slot);
  if (Atomics.load(runtime.i32, base + S_IDENT) !== job.ident) return;
  if (Atomics.load(runtime.i32, base + S_START) === START_PENDING) {
    writeSlotText(runtime, job.slot, text);
    if (
      Atomics.compareExchange(
        runtime.i32,
        base + S_START,
        START_PENDING,
        START_FAILED,
      ) ===
        START_PENDING
    ) {
      Atomics.notify(runtime.i32, base + S_START);
      return;
    }
  }
  releaseAbandoned(job);
}
