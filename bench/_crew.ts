// Copyright the threading for Deno authors. MIT license.
/**
 * A crew: threads started once, outside the measured part of a bench, that run one
 * batch of work each time the bench iteration asks, and end when told to stop.
 *
 * The coordination is raw `Atomics` on a control block of its own (no primitive of the
 * library), so that it costs the same whatever runs the work: this library's threads,
 * the `multithreading` package's workers, or bare Workers. It adds one futex wake and
 * one notify per thread per batch (tens of microseconds against batches of
 * milliseconds).
 *
 * ## Control words (`Int32Array` indexes, each in its own 64-byte slot)
 *
 * | word | meaning | who moves it |
 * | --- | --- | --- |
 * | `GEN` | batch generation | +1 by the bench for each batch, and once more to stop |
 * | `DONE` | threads that finished the current batch | 0 by the bench before a batch; +1 by each thread |
 * | `READY` | threads that entered their loop | +1 by each thread once |
 * | `STOP` | 1 once the crew must end | the bench |
 *
 * @module
 */

/** Control word: batch generation. */
export const GEN = 0;
/** Control word: threads done with the current batch. */
export const DONE = 16;
/** Control word: threads that entered their loop. */
export const READY = 32;
/** Control word: 1 once the crew must end. */
export const STOP = 48;
/** Words in a control block: four 64-byte slots. */
const CONTROL_WORDS = 64;

/** Makes a control block. */
export function newControl(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(CONTROL_WORDS * 4));
}

/**
 * The thread side of a crew: reports ready, then runs `work` once per batch until the
 * crew is stopped. Runs in the crew's thread.
 *
 * @param ctl The crew's control block.
 * @param work One batch of work.
 */
export function crewLoop(ctl: Int32Array, work: () => void): void {
  // Read the generation before reporting ready: the first batch may follow at once.
  let seen = Atomics.load(ctl, GEN);
  Atomics.add(ctl, READY, 1);
  Atomics.notify(ctl, READY);
  for (;;) {
    let gen: number;
    while ((gen = Atomics.load(ctl, GEN)) === seen) Atomics.wait(ctl, GEN, seen);
    seen = gen;
    if (Atomics.load(ctl, STOP) === 1) return;
    work();
    Atomics.add(ctl, DONE, 1);
    Atomics.notify(ctl, DONE);
  }
}

/**
 * Blocks until `count` threads have reached `word` (or `timeout` ms have passed).
 *
 * @throws {Error} If the threads do not get there within the timeout.
 */
function waitCount(ctl: Int32Array, word: number, count: number, timeout: number): void {
  const deadline = performance.now() + timeout;
  let seen: number;
  while ((seen = Atomics.load(ctl, word)) < count) {
    const left = deadline - performance.now();
    if (left <= 0) {
      throw new Error(
        `Cannot run bench crew: ${seen} of ${count} threads answered within ${timeout} ms`,
      );
    }
    Atomics.wait(ctl, word, seen, Math.min(left, 50));
  }
}

/** The bench side of a crew. */
export class Crew {
  /** The control block, to pass to each thread's {@linkcode crewLoop}. */
  readonly ctl: Int32Array = newControl();
  /** Threads in the crew. */
  readonly parties: number;
  #release: (() => void) | undefined;
  #stopped = false;

  /**
   * @param parties Threads in the crew.
   * @param release Called after the stop signal, to join or release the threads.
   */
  constructor(parties: number, release?: () => void) {
    this.parties = parties;
    this.#release = release;
  }

  /** Sets what {@linkcode Crew.stop} calls after the stop signal. */
  onStop(release: () => void): void {
    this.#release = release;
  }

  /** Blocks until every thread is in its loop. */
  waitReady(timeout = 60_000): void {
    waitCount(this.ctl, READY, this.parties, timeout);
  }

  /**
   * Runs one batch on every thread and blocks until all are done; `main`, if given,
   * runs on the calling thread meanwhile (the main thread's side of a workload).
   */
  batch(timeout = 120_000, main?: () => void): void {
    const ctl = this.ctl;
    Atomics.store(ctl, DONE, 0);
    Atomics.add(ctl, GEN, 1);
    Atomics.notify(ctl, GEN);
    main?.();
    waitCount(ctl, DONE, this.parties, timeout);
  }

  /** Tells every thread to end, then runs the release callback. Idempotent. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    Atomics.store(this.ctl, STOP, 1);
    Atomics.add(this.ctl, GEN, 1);
    Atomics.notify(this.ctl, GEN);
    this.#release?.();
  }
}

let current: { key: string; crew: Crew } | undefined;

/**
 * The crew for `key`: the running one when it is for the same key, else stops the
 * running one and makes a new one with `make`. A bench calls this in every iteration;
 * only its first iteration pays for the start (the warm-up, which is not measured).
 * The last crew is stopped when the program unloads.
 */
export function crewFor(key: string, make: () => Crew): Crew {
  if (current?.key === key) return current.crew;
  stopCrew();
  const crew = make();
  current = { key, crew };
  return crew;
}

/** Stops the running crew, if any. */
export function stopCrew(): void {
  const running = current;
  current = undefined;
  running?.crew.stop();
}

globalThis.addEventListener("unload", stopCrew);
