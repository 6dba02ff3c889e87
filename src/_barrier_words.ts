// Copyright the threading for Deno authors. MIT license.
/**
 * The shared words of a `Barrier` (see `barrier.ts`), and its pass word: the dead-party
 * count and the generation in one 64-bit word, so that a generation never passes with
 * a dead party counted in it.
 *
 * ## Shared words (`Int32Array` indexes, in a view of the barrier's slot)
 *
 * | word | values | meaning | who moves it |
 * | --- | --- | --- | --- |
 * | `B_MUTEX` | 0-3 | the mutex word guarding the words below | `wait`, `reset`, `abort` |
 * | `B_STARVING` | count | the mutex's starving waiters | the mutex |
 * | `B_STATE` | `FILLING` 0, `RESETTING` -1, `BROKEN` -2 | the phase | under the mutex: a timeout, a failed action or `abort()` ->-2; `reset()` 0/-2->-1 when threads wait, else ->0; the last to leave a reset barrier -1->0 |
 * | `B_COUNT` | 0...parties | parties of the current generation inside `wait()` | under the mutex: +1 on arrival; 0 when the generation passes; -1 by a party that leaves a broken or reset generation |
 * | `B_SEQ` | any | bumped at every change that waiters wait for | under the mutex; `Atomics.notify` once the mutex is released, if `B_SLEEPERS` > 0 |
 * | `B_SLEEPERS` | >= 0 | waiters asleep on `B_SEQ` | a waiter, +1 before it sleeps, -1 after |
 * | `B_ID` | 0 / id | the id in reports (see `_waits.ts`) | stamped at creation (`stampId`), or given by the first sleeper |
 * | `B_DEAD` (low half of the 64-bit pass word, words 8-9) | >= 0 | parties whose thread ended inside `waitAsync()` | +1 by the ending thread, in one 64-bit compare-and-swap with `B_GEN` (without the mutex; then `B_SEQ` is bumped and notified); folded in under the mutex by the next thread that takes it |
 * | `B_GEN` (high half of the pass word) | any | the generation | +1 (wrapping) by the last arrival, in one 64-bit compare-and-swap that fails if `B_DEAD` > 0 |
 *
 * ## A party whose thread ends
 *
 * A thread that ends while its `waitAsync()` is pending (see `_reclaim.ts`) cannot take
 * the mutex to leave: it adds itself to `B_DEAD`, unless its generation has passed (it
 * was counted out then), and wakes the sleepers. Whoever takes the mutex next folds the
 * dead parties in: `B_COUNT` drops by them, and a filling barrier breaks (the others get
 * `BrokenBarrierError`, as when a wait times out); a resetting barrier reopens once
 * its last live party has left. Because the dead count and the generation share one
 * 64-bit word, a generation never passes with a dead party counted in it: the last
 * arrival's compare-and-swap fails, and it breaks the barrier instead.
 *
 * @module
 */

/** Word: the mutex guarding the barrier's state. */
export const B_MUTEX = 0;
/** Word: the mutex's starving-waiter count. */
export const B_STARVING = 1;
/** Word: the phase: `FILLING`, `RESETTING` or `BROKEN`. */
export const B_STATE = 2;
/** Word: threads inside `wait()`. */
export const B_COUNT = 3;
/** Word: the sequence that waiters sleep on. */
export const B_SEQ = 4;
/** Word: waiters asleep on `B_SEQ`. */
export const B_SLEEPERS = 5;
/** Whether typed arrays are little-endian here (the low half of a 64-bit word first). */
const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** Index of the 64-bit pass word (`B_DEAD` and `B_GEN`) in a `BigUint64Array` of the slot. */
export const B_PASS = 4;
/**
 * Word: parties whose thread ended inside `waitAsync()`, not yet folded in: the low
 * half of the 64-bit pass word.
 */
export const B_DEAD = LITTLE ? 2 * B_PASS : 2 * B_PASS + 1;
/** Word: the generation, bumped when one passes: the high half of the pass word. */
export const B_GEN = LITTLE ? 2 * B_PASS + 1 : 2 * B_PASS;
/** Word: the barrier's id in reports, stamped at creation (see `stampId` in `_waits.ts`). */
export const B_ID = 7;
/** Bytes of a barrier's slot: one cache line. */
export const BARRIER_BYTES = 64;
/** Phase: threads arrive. */
export const FILLING = 0;
/** Phase: `reset()` while threads waited; they leave with `BrokenBarrierError`. */
export const RESETTING = -1;
/** Phase: broken (timeout, failed action, `abort()`). */
export const BROKEN = -2;

/** One generation in the pass word (its high half). */
const ONE_GEN = 1n << 32n;

/** The barrier's slot `i32` as 64-bit words (the pass word is `[B_PASS]`). */
export function passWords(i32: Int32Array): BigUint64Array {
  return new BigUint64Array(i32.buffer, i32.byteOffset, BARRIER_BYTES >> 3);
}

/**
 * Passes the generation, holding the mutex: `B_GEN` +1 (wrapping), in one
 * compare-and-swap that fails if a party died meanwhile (`B_DEAD` > 0).
 *
 * @returns Whether it passed.
 */
export function tryPass(i32: Int32Array, u64: BigUint64Array): boolean {
  const word = BigInt(Atomics.load(i32, B_GEN) >>> 0) << 32n;
  // A BigUint64Array stores modulo 2^6^4: the generation wraps.
  return Atomics.compareExchange(u64, B_PASS, word, word + ONE_GEN) === word;
}

/**
 * An ending thread's party of generation `gen` leaves as dead: +1 in `B_DEAD`, in one
 * compare-and-swap with the generation, so that a party whose generation has passed
 * (and was counted out by the pass) is not counted dead. Without the mutex.
 *
 * @returns Whether it was counted dead.
 */
export function addDead(u64: BigUint64Array, gen: number): boolean {
  for (;;) {
    const word = Atomics.load(u64, B_PASS);
    if (Number(word >> 32n) !== gen >>> 0) return false;
    if (Atomics.compareExchange(u64, B_PASS, word, word + 1n) === word) return true;
  }
}

/** Takes the dead-party count (back to 0, the generation kept), holding the mutex. */
export function takeDead(u64: BigUint64Array): number {
  for (;;) {
    const word = Atomics.load(u64, B_PASS);
    if (Atomics.compareExchange(u64, B_PASS, word, word >> 32n << 32n) === word) {
      return Number(word & 0xffff_ffffn);
    }
  }
}
