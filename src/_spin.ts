// Copyright the threading for Deno authors. MIT license.
/**
 * A bounded, adaptive spin before a thread parks in `Atomics.wait`, in the manner of
 * parking_lot's `SpinWait` and WebKit's `ParkingLot`: when the other thread answers
 * within a few microseconds (a ping-pong, a barrier, a lock held briefly), seeing the
 * change while still running saves the futex sleep and wake-up, which cost tens of
 * microseconds on a virtual machine.
 *
 * ## Budget
 *
 * Each thread keeps one budget: the most `Atomics.pause()` rounds its next spin may
 * take, between {@linkcode SPIN_MIN} and {@linkcode SPIN_MAX}. A spin that sees the word
 * change raises the budget (by half, plus {@linkcode SPIN_STEP}); a spin that runs out
 * halves it. So a thread whose partner answers fast spins up to the most, and on a
 * machine with more runnable threads than cores (where spinning only takes the CPU
 * from the thread it waits for) the budget falls to the least within a few waits.
 * A round is one load and one `Atomics.pause()`, which takes about 0.25 µs on the
 * 2-core AMD EPYC VMs this was measured on (a pause loop may exit to the hypervisor):
 * the most budget is then about 16 µs, under the cost of a futex sleep and wake-up
 * there (15–40 µs). No back-off within a spin: a round is long already.
 *
 * ## Ordering contract
 *
 * A spin only reads the word (sequentially consistent `Atomics.load`): it changes no
 * state, so a waiter that spins is, to every other thread, a waiter that has not yet
 * parked. Callers that count themselves as waiters do so before they spin, and wakers
 * notify as they do for a parked waiter.
 *
 * @module
 */

/** Least spin budget (rounds): a thread that never profits from spinning barely spins. */
export const SPIN_MIN = 2;
/** Most spin budget (rounds). */
export const SPIN_MAX = 64;
/** Added to the budget, besides half of it, after a spin that saw the change. */
export const SPIN_STEP = 4;

/** This thread's spin budget, in rounds. */
let budget = 16;

/**
 * Spins while `i32[index]` holds `value`, at most this thread's budget, adapting the
 * budget to the outcome.
 *
 * @returns Whether the word changed during the spin (`false`: the caller parks).
 */
export function spinWhile(i32: Int32Array, index: number, value: number): boolean {
  const rounds = budget;
  for (let i = 1; i <= rounds; i++) {
    if (Atomics.load(i32, index) !== value) {
      budget = Math.min(SPIN_MAX, budget + (budget >> 1) + SPIN_STEP);
      return true;
    }
    Atomics.pause();
  }
  budget = Math.max(SPIN_MIN, budget >> 1);
  return false;
}

/** This thread's spin budget in rounds (for tests and benchmarks). */
export function spinBudget(): number {
  return budget;
}
