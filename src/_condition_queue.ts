// Copyright the threading for Deno authors. MIT license.
/**
 * The wait queue of a `Condition` (see `condition.ts`): the words of the condition's
 * slot, its waiter nodes, and the queue's operations. Every operation here runs under
 * the condition's lock, except the ending thread's move of its async node (see "A
 * waiter whose thread ends").
 *
 * Each waiter is a queue node with a park word and a link word. A blocking waiter's
 * node is its thread's own pair of words in the shared runtime's thread table
 * (`S_PARK`, `S_LINK`: a thread blocks in at most one queue at a time). An async waiter
 * (`waitAsync`, of which one thread may have many at once) takes one of the
 * {@linkcode ASYNC_NODES} nodes inside the condition's slot, or, when they are all
 * taken, a node of the process-wide pool of `_async_nodes.ts` (a growable buffer every
 * thread maps): so any number of async waiters may wait on one condition, and the
 * common case (a few) touches no memory shared with other conditions.
 *
 * A node id in the queue, 0 being "none":
 *
 * | id | node | its words |
 * | --- | --- | --- |
 * | `slot + 1` (> 0) | the blocking waiter's thread's | `runtime.i32`, `slotBase(slot) + S_PARK`, `+ 1` |
 * | `-(k + 1)`, `k` < {@linkcode ASYNC_NODES} | the condition's own async node `k` | the condition's words, `C_NODES + 2k`, `+ 1` |
 * | `-(ASYNC_NODES + 1 + p)` | the pool's node `p` | the pool's words, `P_NODES + 2p`, `+ 1` |
 *
 * ## Shared words (`Int32Array` indexes, in a view of the condition's slot)
 *
 * | word | values | meaning | who moves it |
 * | --- | --- | --- | --- |
 * | `C_HEAD` | 0 / node id | the first waiter (the next to notify) | a waiter enqueues, a notifier dequeues, a timed-out waiter unlinks itself: all under the lock |
 * | `C_TAIL` | 0 / node id | the last waiter | as `C_HEAD` |
 * | `C_LOST` | count | notifications taken by async waiters that died before they woke | +1 by the dying thread (see below), drained by the next `notify()` |
 * | `C_ID` | 0 / id | the id in reports (see `_waits.ts`) | stamped at creation (`stampId`), or given by the first sleeper |
 * | `C_NODES + 2k` | `FREE` 0 / `WAITING` 1 / `NOTIFIED` 2 / `ABANDONED` 3 | async node `k`'s park word | a waiter FREE->WAITING (under the lock), a notifier WAITING->NOTIFIED (a CAS, under the lock, then `Atomics.notify`) or ABANDONED->FREE (dequeued), the waiter ->FREE when done (under the lock), its ending thread WAITING->ABANDONED or NOTIFIED->FREE (a CAS, without the lock) |
 * | `C_NODES + 2k + 1` | 0 / node id | async node `k`'s link | under the lock |
 *
 * A pool node's park word moves the same way, but its FREE->WAITING is a CAS (the pool
 * is shared by every condition) and each ->FREE also uncounts it from the pool's
 * `P_USED` (`freeNode`).
 *
 * A thread's `S_PARK` word moves the same way (WAITING->NOTIFIED->0). A notifier marks
 * a thread's node NOTIFIED at once but leaves the futex wake-up of that thread to the
 * release of the condition's lock when the lock's slot has room to record it (see
 * `_release_wakes.ts`): the woken thread then finds the lock free instead of sleeping
 * on it a second time. An async node is woken at once.
 *
 * The queue's words (`C_HEAD`, `C_TAIL` and the link words) are read and written with
 * plain accesses: they change only under the lock, whose acquire and release order
 * them. Park words and `C_LOST`, which move without the lock, are atomic.
 *
 * ## A waiter whose thread ends
 *
 * A thread that ends while its `waitAsync()` is pending (see `_reclaim.ts`) leaves
 * its async node: the ending thread moves it WAITING->ABANDONED (the node stays queued;
 * `notify()` skips it, frees it, and notifies the next waiter instead), or, if it had
 * been notified already, frees it and counts the notification in `C_LOST`, which the
 * next `notify()` adds to the waiters it wakes. So a dead waiter never swallows a
 * `notify()`.
 *
 * @module
 */
import { runtime, S_LINK, S_PARK, slotBase } from "./_runtime.ts";
import { track, type Undo } from "./_reclaim.ts";
import { deferWake } from "./_release_wakes.ts";
import { claimNode, freeNode, nodes, P_NODES } from "./_async_nodes.ts";

/** Word: the first node id of the wait queue, 0 when empty. */
export const C_HEAD = 0;
/** Word: the last node id of the wait queue, 0 when empty. */
export const C_TAIL = 1;
/**
 * Word: notifications that went to async waiters whose thread ended before taking
 * them; the next `notify()` passes them on.
 */
export const C_LOST = 2;
/** Word: the condition's id in reports, stamped at creation (see `stampId` in `_waits.ts`). */
export const C_ID = 3;
/** Word: the first async node; async node `k` is `C_NODES + 2k` (park), `+ 1` (link). */
export const C_NODES = 4;
/**
 * Async nodes a condition holds in its own slot; its async waiters past these take
 * nodes of the process-wide pool (`_async_nodes.ts`).
 */
export const ASYNC_NODES = 30;
/** Bytes of a condition's slot. */
export const CONDITION_BYTES = (C_NODES + 2 * ASYNC_NODES) * 4;
/** Park word: a free async node. */
export const FREE = 0;
/** Park word: the waiter waits. */
export const WAITING = 1;
/** Park word: a notifier dequeued the waiter. */
export const NOTIFIED = 2;
/**
 * Park word: the async waiter's thread ended while it waited; the node stays queued
 * until a `notify()` dequeues it, frees it and notifies the next waiter instead.
 */
export const ABANDONED = 3;

/** Offset from a node's park word to its link word (as in the thread table). */
export const LINK = S_LINK - S_PARK;

/** The index of a node's park word (its link word is at `+ LINK`). */
export function parkOf(id: number): number {
  if (id > 0) return slotBase(id - 1) + S_PARK;
  return id >= -ASYNC_NODES
    ? C_NODES + 2 * (-id - 1)
    : P_NODES + 2 * (-id - 1 - ASYNC_NODES);
}
/**
 * The array that holds node `id`: the runtime's thread table, the condition's words, or
 * the pool's.
 */
export function arrayOf(i32: Int32Array, id: number): Int32Array {
  return id > 0 ? runtime.i32 : id >= -ASYNC_NODES ? i32 : nodes;
}

/** Appends node `id` to the queue (plain accesses: the lock orders them). */
export function enqueue(i32: Int32Array, id: number): void {
  arrayOf(i32, id)[parkOf(id) + LINK] = 0;
  const tail = i32[C_TAIL];
  if (tail === 0) {
    i32[C_HEAD] = id;
  } else {
    arrayOf(i32, tail)[parkOf(tail) + LINK] = id;
  }
  i32[C_TAIL] = id;
}

/** Unlinks `id` from the queue if it is there. */
export function unlink(i32: Int32Array, id: number): void {
  let prev = 0;
  let node = i32[C_HEAD];
  while (node !== 0 && node !== id) {
    prev = node;
    node = arrayOf(i32, node)[parkOf(node) + LINK];
  }
  if (node === 0) return;
  const next = arrayOf(i32, id)[parkOf(id) + LINK];
  if (prev === 0) {
    i32[C_HEAD] = next;
  } else {
    arrayOf(i32, prev)[parkOf(prev) + LINK] = next;
  }
  if (i32[C_TAIL] === id) i32[C_TAIL] = prev;
}

/**
 * Takes a free async node, the condition's own or else one of the pool's, marks it
 * WAITING and enqueues it.
 *
 * @returns The node's id (negative; its words: {@linkcode arrayOf},
 * {@linkcode parkOf}).
 * @throws {RangeError} If the pool is full (`MAX_NODES` async waiters on conditions
 * in the process) or its memory cannot be had.
 */
export function enqueueAsync(i32: Int32Array): number {
  let k = 0;
  while (k < ASYNC_NODES && Atomics.load(i32, C_NODES + 2 * k) !== FREE) k++;
  let id: number;
  if (k < ASYNC_NODES) {
    Atomics.store(i32, C_NODES + 2 * k, WAITING);
    id = -(k + 1);
  } else {
    id = -(ASYNC_NODES + 1 + claimNode(WAITING));
  }
  enqueue(i32, id);
  return id;
}

/** Frees async node `id` (a pool node also leaves the pool's count). */
export function freeAsync(i32: Int32Array, id: number): void {
  if (id >= -ASYNC_NODES) Atomics.store(i32, parkOf(id), FREE);
  else freeNode(-id - 1 - ASYNC_NODES);
}

/**
 * Registers what the current thread does with async node `id` if it ends before the
 * wait does: WAITING->ABANDONED, or NOTIFIED->FREE and one more `C_LOST` (so that its
 * node never swallows a `notify()`).
 *
 * @returns The registration, for `untrack` once the wait is over.
 */
export function trackAsyncNode(i32: Int32Array, id: number): Undo {
  const arr = arrayOf(i32, id);
  const park = parkOf(id);
  return track(() => {
    if (Atomics.compareExchange(arr, park, WAITING, ABANDONED) === NOTIFIED) {
      freeAsync(i32, id);
      Atomics.add(i32, C_LOST, 1);
    }
  });
}

/**
 * Dequeues and notifies up to `n` waiters (plus the `C_LOST` notifications of dead
 * waiters), freeing and skipping abandoned nodes. A blocking waiter's wake-up is left
 * to the release of the lock whose mutex word is `lock[at]` (see `_release_wakes.ts`)
 * when it can be recorded there; an async waiter is woken at once.
 */
export function notifyWaiters(
  i32: Int32Array,
  n: number,
  lock: Int32Array,
  at: number,
): void {
  if (Atomics.load(i32, C_LOST) > 0) n += Atomics.exchange(i32, C_LOST, 0);
  for (let woken = 0; woken < n;) {
    const id = i32[C_HEAD];
    if (id === 0) return;
    const arr = arrayOf(i32, id);
    const park = parkOf(id);
    const next = arr[park + LINK];
    i32[C_HEAD] = next;
    if (next === 0) i32[C_TAIL] = 0;
    if (Atomics.compareExchange(arr, park, WAITING, NOTIFIED) === WAITING) {
      if (id < 0 || !deferWake(lock, at, park)) Atomics.notify(arr, park, 1);
      woken++;
    } else {
      // Abandoned by a thread that ended (see the module doc): free it, skip it.
      freeAsync(i32, id);
    }
  }
}
