// Copyright the threading for Deno authors. MIT license.
/**
 * Raw `Atomics` code with no library in it: the floors that the library's figures are
 * compared with.
 *
 * - {@linkcode rawPairs}: the uncontended floor of a lock, a `compareExchange` 0→1
 *   then a `store` of 0, as the issue defines it.
 * - {@linkcode rawLock} / {@linkcode rawUnlock}: the classic three-state futex mutex
 *   (0 free, 1 held, 2 held with waiters; Drepper, "Futexes Are Tricky", mutex 2): the
 *   contended floor.
 * - {@linkcode rawPing} / {@linkcode rawPong}: a futex ping-pong on one word, the floor
 *   of an Event or Condition round trip between two threads.
 *
 * @module
 */

/** Int32 words in a 64-byte slot. */
export const SLOT = 16;

/** Makes a buffer of `slots` 64-byte slots, one word of interest at the start of each. */
export function slots(slots: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(slots * SLOT * 4));
}

/**
 * Runs `n` uncontended compareExchange + store pairs on `i32[index]`.
 *
 * @returns The number of pairs (to keep the loop observable).
 */
export function rawPairs(i32: Int32Array, index: number, n: number): number {
  let done = 0;
  for (let i = 0; i < n; i++) {
    while (Atomics.compareExchange(i32, index, 0, 1) !== 0) { /* spin */ }
    Atomics.store(i32, index, 0);
    done++;
  }
  return done;
}

/** Takes the three-state futex mutex at `i32[index]`. */
export function rawLock(i32: Int32Array, index: number): void {
  let c = Atomics.compareExchange(i32, index, 0, 1);
  if (c === 0) return;
  if (c !== 2) c = Atomics.exchange(i32, index, 2);
  while (c !== 0) {
    Atomics.wait(i32, index, 2);
    c = Atomics.exchange(i32, index, 2);
  }
}

/** Releases the three-state futex mutex at `i32[index]`; wakes one waiter if any may wait. */
export function rawUnlock(i32: Int32Array, index: number): void {
  if (Atomics.sub(i32, index, 1) !== 1) {
    Atomics.store(i32, index, 0);
    Atomics.notify(i32, index, 1);
  }
}

/** The serving side of a raw ping-pong: `rounds` times, set the word to 1 and wait for 0. */
export function rawPing(i32: Int32Array, index: number, rounds: number): void {
  for (let r = 0; r < rounds; r++) {
    Atomics.store(i32, index, 1);
    Atomics.notify(i32, index, 1);
    while (Atomics.load(i32, index) === 1) Atomics.wait(i32, index, 1);
  }
}

/** The answering side of a raw ping-pong: `rounds` times, wait for 1 and set the word to 0. */
export function rawPong(i32: Int32Array, index: number, rounds: number): void {
  for (let r = 0; r < rounds; r++) {
    while (Atomics.load(i32, index) === 0) Atomics.wait(i32, index, 0);
    Atomics.store(i32, index, 0);
    Atomics.notify(i32, index, 1);
  }
}
