// Copyright the threading for Deno authors. MIT license.
/**
 * Never hang silently: {@linkcode dumpThreads} (after Python's `faulthandler`), which
 * prints every thread with what it waits on and what it holds, and the global deadlock
 * detector, which reports and ends a program whose threads are all blocked for good.
 *
 * Both read the wait records of the shared thread table (`_waits.ts`), so they work
 * from any thread, also while the others are blocked.
 *
 * ## The deadlock detector
 *
 * It runs on the main thread, between the slices of its blocking waits (every few ms,
 * see `_futex.ts`), while that wait has no timeout. A program is deadlocked when every
 * live thread, the main thread included, is asleep in a wait of this library without a
 * timeout, and no thread is starting: nothing can then change any word that one of them
 * waits on. The detector proves it without stopping anyone, from three snapshots of
 * every thread's `S_WAIT_SEQ` and `S_WAIT_BEAT` words (A, B, C, at least
 * {@linkcode CHECK_MS} apart):
 *
 * | check | why |
 * | --- | --- |
 * | every live thread's `S_WAIT_KIND` has `WAIT_FOREVER` in A, B and C, no start pending | all blocked without a timeout |
 * | `S_WAIT_SEQ` of each thread is the same in A, B and C | no thread woke, left or re-entered a wait in between |
 * | `S_WAIT_BEAT` of each thread moved between A and B, and again between B and C | each thread found its word unchanged after a slice once before B and once after: so at B all of them slept with their words unchanged |
 *
 * A thread that is notified, or whose word changed, leaves its futex sleep and moves
 * its `S_WAIT_SEQ`; it never beats with a changed word. A thread that runs, sleeps
 * with a timeout (`sleep()`, a timed wait), waits in an `...Async` call or blocks in I/O
 * has no `WAIT_FOREVER` record, so nothing is reported: the detector gives no false
 * report, at the cost of missing a deadlock that involves such a thread (the
 * `dumpThreads()` report shows it).
 *
 * While the app listens to `SIGINT` or `SIGTERM` (see `_signals.ts`), a listener may
 * still wake a blocked thread, so there is no report (as Go, whose `signal.Notify`
 * keeps a goroutine that is not asleep).
 *
 * A partial deadlock (a cycle of threads while others run) is shown by
 * {@linkcode dumpThreads} and, on request, by {@linkcode watchDeadlocks}, a watchdog
 * that reports a cycle whose threads have not moved for a set time.
 *
 * On a deadlock it writes the report, with the wait-for cycle, to stderr and throws
 * `DeadlockError` in the main thread's blocked call.
 *
 * Once the main thread's code has finished while non-daemon threads live (the process
 * is held open for them, see `keepAlive` in `_pool.ts`), the main thread is stopped: it
 * waits on nothing and can wake no one. The same three snapshots then run from an
 * unref'd timer every {@linkcode CHECK_MS}, over the live threads (daemon ones too: a
 * running daemon may wake someone); on a deadlock the report goes to stderr and the
 * process exits with {@linkcode DEADLOCK_EXIT_CODE} (2, as Go's runtime). `THREADING_DEADLOCK=0` in the
 * environment turns the detector off (read only where `--allow-env` grants it: the
 * report's hint names the flag, and says when the program runs without it).
 *
 * @module
 */
import { RangeError } from "./_caller_stack.ts";
import { envHint, envVar, exitProcess, onMainIdle, unrefTimer } from "./_platform.ts";
import { setSliceHook } from "./_futex.ts";
import { writeStderr } from "./_output.ts";
import {
  H_HIGH,
  H_NON_DAEMON,
  H_REQUESTS,
  readCreationSite,
  readName,
  readSiteText,
  runtime,
  S_ALIVE,
  S_DAEMON,
  S_IDENT,
  S_RECORD,
  S_START,
  S_WAIT_BEAT,
  S_WAIT_HOLDER,
  S_WAIT_ID,
  S_WAIT_KIND,
  S_WAIT_SEQ,
  S_WAIT_SINCE,
  slotBase,
  START_PENDING,
} from "./_runtime.ts";
import {
  idText,
  KIND_JOIN,
  KIND_SLEEP,
  KINDS,
  sameThing,
  setWatched,
  sinceBase,
  WAIT_FOREVER,
} from "./_waits.ts";
import { deliverSignals, hasSignalListeners } from "./_signals.ts";
import { checkMainServers } from "./_main_servers.ts";
import { DeadlockError, ThreadError } from "./errors.ts";

/** Least time between two snapshots of the deadlock detector, in milliseconds. */
export const CHECK_MS = 50;

/** One thread as the table shows it. */
interface ThreadRow {
  slot: number;
  ident: number;
  name: string;
  daemon: boolean;
  starting: boolean;
  kind: number;
  forever: boolean;
  id: number;
  holder: number;
  sinceMs: number;
  seq: number;
  beat: number;
  site: string;
}

/** Reads every thread of the table. */
function readThreads(): ThreadRow[] {
  const rt = runtime.i32;
  const rows: ThreadRow[] = [];
  const high = Atomics.load(rt, H_HIGH);
  const now = sinceBase();
  for (let slot = 0; slot < high; slot++) {
    const base = slotBase(slot);
    const ident = Atomics.load(rt, base + S_IDENT);
    if (ident === 0) continue;
    const alive = Atomics.load(rt, base + S_ALIVE) === ident;
    const starting = !alive && Atomics.load(rt, base + S_START) === START_PENDING;
    if (!alive && !starting) continue;
    const kindWord = Atomics.load(rt, base + S_WAIT_KIND);
    rows.push({
      slot,
      ident,
      name: readName(runtime, slot, ident) ?? `(ident ${ident})`,
      daemon: Atomics.load(rt, base + S_DAEMON) !== 0,
      starting,
      kind: kindWord & 0xff,
      forever: (kindWord & WAIT_FOREVER) !== 0,
      id: Atomics.load(rt, base + S_WAIT_ID),
      holder: Atomics.load(rt, base + S_WAIT_HOLDER),
      sinceMs: now - Atomics.load(rt, base + S_WAIT_SINCE),
      seq: Atomics.load(rt, base + S_WAIT_SEQ),
      beat: Atomics.load(rt, base + S_WAIT_BEAT),
      site: kindWord === 0 ? "" : readSiteText(slot),
    });
  }
  return rows;
}

/** The thread a row waits for, if its wait names one (a holder, a joined thread). */
function waitsForThread(row: ThreadRow): number {
  if (row.kind === 0) return 0;
  if (row.kind === KIND_JOIN) return row.id;
  return KINDS[row.kind].holder >= 0 ? row.holder : 0;
}

function label(rows: ThreadRow[], ident: number): string {
  const row = rows.find((r) => r.ident === ident);
  return row === undefined ? deadLabel(ident) : `${row.name} (ident ${ident})`;
}

/**
 * A thread that has ended, by its name while its slot still keeps its record
 * (`S_RECORD`, see `_runtime.ts`), else by its ident alone.
 */
function deadLabel(ident: number): string {
  const rt = runtime.i32;
  const high = Atomics.load(rt, H_HIGH);
  for (let slot = 0; slot < high; slot++) {
    if (Atomics.load(rt, slotBase(slot) + S_RECORD) !== ident) continue;
    const name = readName(runtime, slot, ident);
    if (name !== undefined) return `${name} (ident ${ident}, dead)`;
  }
  return `thread ident ${ident} (dead)`;
}

function what(rows: ThreadRow[], row: ThreadRow): string {
  const kind = KINDS[row.kind].name;
  if (row.kind === KIND_JOIN) return `the end of ${label(rows, row.id)} (join)`;
  const created = row.id === 0 ? "" : readCreationSite(row.id, sameThing(row.kind));
  const detail = KINDS[row.kind].detail;
  const thing =
    (row.id === 0
      ? kind
      : `${kind} #${idText(row.id)}${created === "" ? "" : ` (created at ${created})`}`) +
    (detail === undefined ? "" : ` ${detail}`);
  if (KINDS[row.kind].holder < 0) return thing;
  return row.holder === 0 ? thing : `${thing} held by ${label(rows, row.holder)}`;
}

/** The wait-for cycle through the threads, if there is one. */
function findCycle(rows: ThreadRow[]): ThreadRow[] | undefined {
  const byIdent = new Map(rows.map((r) => [r.ident, r]));
  for (const start of rows) {
    const path: ThreadRow[] = [];
    let at: ThreadRow | undefined = start;
    while (at !== undefined && !path.includes(at)) {
      path.push(at);
      at = byIdent.get(waitsForThread(at));
    }
    if (at !== undefined) return path.slice(path.indexOf(at));
  }
  return undefined;
}

/** The report of every thread, as `dumpThreads()` prints it. */
function formatThreads(rows: ThreadRow[]): string {
  const lines: string[] = [];
  for (const row of rows) {
    const head = `${row.name} (ident ${row.ident}${row.daemon ? ", daemon" : ""})`;
    let state: string;
    if (row.starting) {
      state = "starting";
    } else if (row.kind === 0) {
      // Async waits (`waitAsync()`, `getAsync()`, ...) are not recorded: a thread
      // that awaits one looks the same as one that runs.
      state = "running or awaiting (not in a blocking call of threading)";
    } else if (row.kind === KIND_SLEEP) {
      state = `sleeps, for ${(row.sinceMs / 1000).toFixed(2)} s`;
    } else {
      state = `waits ${row.forever ? "with no timeout" : "with a timeout"} for ${
        what(rows, row)
      }, for ${(row.sinceMs / 1000).toFixed(2)} s`;
    }
    lines.push(`  ${head}: ${state}`);
    const held = rows.filter((r) =>
      r !== row && KINDS[r.kind].holder >= 0 && r.holder === row.ident && r.id !== 0
    );
    for (const id of new Set(held.map((r) => `${KINDS[r.kind].name} #${idText(r.id)}`))) {
      lines.push(`    holds ${id}`);
    }
    for (const frame of row.site.split("\n").filter((f) => f !== "")) {
      lines.push(`      ${frame}`);
    }
  }
  // Holders that are not alive any more: a dead thread still holds those.
  for (const row of rows) {
    if (
      KINDS[row.kind].holder >= 0 && row.holder !== 0 &&
      !rows.some((r) => r.ident === row.holder)
    ) {
      lines.push(
        `  ${deadLabel(row.holder)} holds ${KINDS[row.kind].name} #${
          idText(row.id)
        }, which ${row.name} waits for`,
      );
    }
  }
  return lines.join("\n");
}

function formatCycle(rows: ThreadRow[], cycle: ThreadRow[]): string {
  const parts = cycle.map((row) => `${row.name} waits for ${what(rows, row)}`);
  return `Wait-for cycle: ${parts.join(" \u2192 ")} \u2192 ${cycle[0].name}`;
}

/**
 * Prints every thread of the program to stderr, as Python's
 * `faulthandler.dump_traceback` does: name, ident, whether daemon, state, what it
 * waits on (the kind of primitive, its id, its holder, for how long) and where, what
 * it holds that others wait on, and the wait-for cycle if there is one. Works from any
 * thread, also while others are blocked.
 *
 * A primitive's id is given at its creation, by kind and by creating thread (`Lock #3`:
 * the main thread's third `Lock`; `Event #2.1`: the first `Event` of the thread of
 * ident 2), so it is the same from run to run; where a thread waits is the stack of its
 * blocking call, written once the wait has lasted about 100 ms.
 *
 * @returns The text printed.
 *
 * @example Dumping the threads
 * ```ts
 * import { dumpThreads } from "@threading/threading";
 * import assert from "node:assert/strict";
 *
 * const text = dumpThreads();
 * assert.match(text, /MainThread \(ident 1\): running/);
 * ```
 */
export function dumpThreads(): string {
  const rows = readThreads();
  const cycle = findCycle(rows);
  const text = `Threads:\n${formatThreads(rows)}\n${
    cycle === undefined ? "" : `${formatCycle(rows, cycle)}\n`
  }`;
  writeStderr(text);
  return text;
}

/**
 * The report of the non-daemon threads alive now whose ident is `fromIdent` or more
 * (threads started since a thread got that ident), in `dumpThreads()`'s words, with
 * where each waits; `undefined` when there is none. For `_test_runner.ts`.
 */
export function describeNonDaemon(fromIdent: number): string | undefined {
  const rows = readThreads().filter((r) => !r.daemon && r.ident >= fromIdent);
  return rows.length === 0 ? undefined : formatThreads(rows);
}

// ---- The deadlock detector (main thread) ----

let enabled: boolean | undefined;
/** Snapshots A and B (see the module doc), by ident: [seq, beat]. */
let snapA: Map<number, [number, number]> | undefined;
let snapB: Map<number, [number, number]> | undefined;
let nextCheck = 0;

function detectionEnabled(): boolean {
  if (enabled !== undefined) return enabled;
  enabled = true;
  // Unset or not allowed (no --allow-env): the detector stays on.
  enabled = envVar("THREADING_DEADLOCK") !== "0";
  return enabled;
}

/** A snapshot if every live thread is blocked with no timeout, else undefined. */
function snapshot():
  | { rows: ThreadRow[]; map: Map<number, [number, number]> }
  | undefined {
  if (Atomics.load(runtime.i32, H_REQUESTS) > 0) return undefined;
  const rows = readThreads();
  const map = new Map<number, [number, number]>();
  for (const row of rows) {
    if (row.starting || row.kind === 0 || !row.forever) return undefined;
    map.set(row.ident, [row.seq, row.beat]);
  }
  return { rows, map };
}

/** Whether every thread of `now` kept its seq and beat past `before`. */
function progressed(
  before: Map<number, [number, number]>,
  now: Map<number, [number, number]>,
): boolean | undefined {
  if (before.size !== now.size) return undefined;
  let all = true;
  for (const [ident, [seq, beat]] of now) {
    const was = before.get(ident);
    if (was === undefined || was[0] !== seq) return undefined;
    if (beat === was[1]) all = false;
  }
  return all;
}

function reset(): undefined {
  snapA = snapB = undefined;
}

// ---- The watchdog for partial deadlocks (on request) ----

/** The watchdog's limit in ms, or undefined when it is off. */
let watchAfter: number | undefined;
let watchTimer: ReturnType<typeof setInterval> | undefined;
let nextWatch = 0;
/** When each thread's current wait was first seen unchanged: ident -> [seq, since]. */
const firstSeen = new Map<number, [number, number]>();
/** Cycles already reported (their idents and seqs). */
const reported = new Set<string>();

/** Reports each wait-for cycle whose threads have not moved for `watchAfter` ms. */
function watchOnce(): void {
  if (watchAfter === undefined) return;
  const now = performance.now();
  const rows = readThreads();
  const live = new Set<number>();
  for (const row of rows) {
    live.add(row.ident);
    const seen = firstSeen.get(row.ident);
    if (seen === undefined || seen[0] !== row.seq) {
      firstSeen.set(row.ident, [row.seq, now]);
    }
  }
  for (const ident of firstSeen.keys()) if (!live.has(ident)) firstSeen.delete(ident);
  // Only threads blocked with no timeout, unmoved for long enough, make a cycle.
  const stuck = rows.filter((row) =>
    row.forever && now - firstSeen.get(row.ident)![1] >= watchAfter!
  );
  const cycle = findCycle(stuck);
  if (cycle === undefined) return;
  const key = cycle.map((r) => `${r.ident}:${r.seq}`).sort().join(",");
  if (reported.has(key)) return;
  reported.add(key);
  writeStderr(
    `Partial deadlock: these threads have waited for each other for over ${watchAfter} ms.\n${
      formatCycle(rows, cycle)
    }\nThreads:\n${formatThreads(rows)}\n`,
  );
}

/**
 * Starts a watchdog on the main thread that reports, to stderr, every wait-for cycle
 * (threads blocked with no timeout, each waiting for a lock the next one holds, or for
 * the next one to end) whose threads have not moved for `afterMs` milliseconds, even
 * while other threads run: a partial deadlock, which the global detector does not see.
 * Each cycle is reported once. It checks from a timer that does not keep the program
 * alive, and between the slices of the main thread's blocking waits.
 *
 * @param afterMs How long a cycle must last before it is reported, in milliseconds.
 * @default {1000}
 * @returns A function that stops the watchdog.
 * @throws {ThreadError} If called outside the main thread.
 * @throws {RangeError} If `afterMs` is not a positive finite number.
 *
 * @example Watching, then stopping
 * ```ts
 * import { watchDeadlocks } from "@threading/threading";
 *
 * const stop = watchDeadlocks(2000);
 * stop();
 * ```
 */
export function watchDeadlocks(afterMs = 1000): () => void {
  if (!runtime.isMain) {
    throw new ThreadError(
      "Cannot watch for deadlocks: the watchdog runs on the main thread; call watchDeadlocks() there",
    );
  }
  if (typeof afterMs !== "number" || !(afterMs > 0) || !Number.isFinite(afterMs)) {
    throw new RangeError(
      `Cannot watch for deadlocks: afterMs must be a positive number of milliseconds, received ${afterMs}`,
    );
  }
  watchAfter = afterMs;
  if (watchTimer !== undefined) clearInterval(watchTimer);
  const timer = setInterval(watchOnce, Math.min(afterMs / 2, 250));
  unrefTimer(timer);
  watchTimer = timer;
  return () => {
    if (watchTimer !== undefined) clearInterval(watchTimer);
    watchTimer = watchAfter = undefined;
    firstSeen.clear();
  };
}

/**
 * The main thread's slice hook: signals, the probe of its servers, the watchdog, then
 * the deadlock detector.
 */
function onSlice(forever: boolean): void {
  deliverSignals();
  checkMainServers(); // a server of the main thread cannot answer (`_main_servers.ts`)
  if (watchAfter !== undefined && performance.now() >= nextWatch) {
    nextWatch = performance.now() + Math.min(watchAfter / 2, 250);
    watchOnce();
  }
  if (!forever) {
    if (snapA !== undefined) reset();
    return;
  }
  if (!detectionEnabled()) return;
  // The waiters beat every BEAT_MS while the detector watches (see `_waits.ts`); the
  // main thread's wait turns it off as it ends (`_futex.ts`).
  setWatched(true);
  const now = performance.now();
  // A signal listener may wake a blocked thread (Ctrl-C sets an Event, say): no report.
  if (now < nextCheck || hasSignalListeners()) return;
  nextCheck = now + CHECK_MS;
  const rows = detectStep();
  if (rows === undefined) return;
  const cycle = findCycle(rows);
  lastReported = deadlockKey(rows);
  writeStderr(
    deadlockReport(
      rows,
      "every thread is blocked in @threading/threading with no timeout",
      "The main thread's blocked call throws DeadlockError.",
    ),
  );
  throw new DeadlockError(
    `Cannot wait: every thread is blocked with no timeout (deadlock)${
      cycle === undefined ? "" : `: ${formatCycle(rows, cycle)}`
    }; the full report is on stderr`,
  );
}

/**
 * One step of the detector (call it at least {@linkcode CHECK_MS} apart): takes a
 * snapshot and compares it with the last ones (see the module doc).
 *
 * @returns The threads, once the snapshots prove that every live thread is asleep for
 * good; else undefined.
 */
function detectStep(): ThreadRow[] | undefined {
  const snap = snapshot();
  if (snap === undefined) return reset();
  if (snapA === undefined) {
    snapA = snap.map;
    return undefined;
  }
  const since = progressed(snapB ?? snapA, snap.map);
  if (since === undefined || progressed(snapA, snap.map) === undefined) {
    snapA = snap.map;
    snapB = undefined;
    return undefined;
  }
  if (!since) return undefined;
  if (snapB === undefined) {
    snapB = snap.map;
    return undefined;
  }
  reset();
  return snap.rows;
}

/** The text of a deadlock report: `why`, the cycle if any, the threads, `end`. */
function deadlockReport(
  rows: ThreadRow[],
  why: string,
  end: string,
  mainDone = false,
): string {
  const cycle = findCycle(rows);
  const main = mainDone
    ? "  MainThread (ident 1): its code has finished (the process waits for the threads below)\n"
    : "";
  return `Deadlock: ${why}; nothing can wake any of them.\n${
    cycle === undefined ? "" : `${formatCycle(rows, cycle)}\n`
  }Threads:\n${main}${formatThreads(rows)}\n` +
    `(${end} ${envHint("THREADING_DEADLOCK", "0", "turns this check off")}.)\n`;
}

/** The threads of a deadlock, main excluded, and where each is in its waits. */
function deadlockKey(rows: ThreadRow[]): string {
  return rows.filter((r) => r.ident !== 1).map((r) => `${r.ident}:${r.seq}`).join(",");
}

/** The key of the last deadlock the main thread's blocked call reported. */
let lastReported = "";

/** Exit status of a program whose threads deadlock after its main code finished. */
export const DEADLOCK_EXIT_CODE = 2;

let afterMainTimer: ReturnType<typeof setInterval> | undefined;

/**
 * Once the main thread's code has finished while non-daemon threads live (the process
 * is then held open for them, see `keepAlive` in `_pool.ts`): checks every
 * {@linkcode CHECK_MS} from an unref'd timer. The main thread is stopped: it waits on
 * nothing and can wake no one, so when every live thread (daemon ones included: a
 * running daemon may still wake someone) is asleep for good in this library, the
 * report goes to stderr and the process exits with {@linkcode DEADLOCK_EXIT_CODE}, as
 * Go's runtime does ("all goroutines are asleep - deadlock!", status 2).
 */
function watchAfterMain(): boolean {
  if (afterMainTimer !== undefined || !detectionEnabled()) return false;
  reset();
  setWatched(true);
  const timer = setInterval(() => {
    const rt = runtime.i32;
    if (Atomics.load(rt, H_NON_DAEMON) <= 0) {
      clearInterval(timer);
      afterMainTimer = undefined;
      setWatched(false);
      return reset();
    }
    // The main thread still runs code of its own (its event loop is not idle yet), or a
    // listener may wake a thread: no report.
    if (Atomics.load(rt, slotBase(0) + S_ALIVE) !== 0 || hasSignalListeners()) {
      return reset();
    }
    const rows = detectStep();
    if (rows === undefined) return;
    // The main thread caught the DeadlockError of this same deadlock, and ended.
    const again = deadlockKey(rows) === lastReported;
    writeStderr(
      again
        ? `Deadlock: the main thread's code has finished; the threads of the deadlock reported above are still blocked. The process exits with status ${DEADLOCK_EXIT_CODE}.\n`
        : deadlockReport(
          rows,
          "the main thread's code has finished and every other thread is blocked in @threading/threading with no timeout",
          `The process exits with status ${DEADLOCK_EXIT_CODE}.`,
          true,
        ),
    );
    exitProcess(DEADLOCK_EXIT_CODE);
  }, CHECK_MS);
  unrefTimer(timer);
  afterMainTimer = timer;
  return false;
}

if (runtime.isMain) {
  setSliceHook(onSlice);
  onMainIdle(() => Atomics.load(runtime.i32, H_NON_DAEMON) > 0 && watchAfterMain());
}
