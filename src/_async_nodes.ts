// Copyright the threading for Deno authors. MIT license.
/**
 * The process-wide pool of async wait nodes: where a `Condition.waitAsync` parks once
 * its condition's own nodes (`ASYNC_NODES` of them) are taken (see
 * `_condition_queue.ts`). One growable SharedArrayBuffer (`Runtime.nodes`, created
 * empty by the main thread, received by every Worker at start-up), so that any thread
 * that notifies a condition can reach any waiter's node by its index, and the number
 * of async waiters has no small bound: the pool grows (doubling) to twice the nodes in
 * use, up to {@linkcode MAX_NODES}.
 *
 * ## Words (`Int32Array` indexes in {@linkcode nodes}, a length-tracking view)
 *
 * | word | values | meaning | who moves it |
 * | --- | --- | --- | --- |
 * | `P_USED` | count | nodes taken (waiting, notified or abandoned) | +1 by a claimer before it looks for a node (`Atomics.add`), -1 by whoever frees one, after the free |
 * | `P_NODES + 2p` | 0 free / a park state of `_condition_queue.ts` | node `p`'s park word | claimed with a CAS 0->WAITING (no lock: conditions share the pool); then moved as a condition's own node is, under that condition's lock; freed (->0) by its waiter, by a notifier that drops it abandoned, or by its ending thread |
 * | `P_NODES + 2p + 1` | 0 / node id | node `p`'s link in its condition's queue | under that condition's lock |
 *
 * A claimer counts itself in `P_USED` first, grows the buffer if the pool would be more
 * than half full, then scans for a free node from where its thread last found one (a
 * per-thread cursor), claiming it with a CAS: as the nodes taken never outnumber
 * `P_USED`, nor `P_USED` half the pool, the scan finds one within a few words. No lock,
 * no free list: nothing to corrupt if a Worker dies mid-claim (it leaves at worst one
 * count too many in `P_USED`, which only makes the pool grow sooner).
 *
 * Growth: `sab.grow()` is atomic; a thread that sees the pool already as big as it
 * wanted (another grew it first) goes on. A node's index is reached by other threads
 * only through a condition's queue, under its lock, after its claimer grew the buffer:
 * the lock orders the growth before their reads of the (length-tracking) view.
 *
 * @module
 */
import { RangeError } from "./_caller_stack.ts";
import { NODES_MAX_BYTES, runtime } from "./_runtime.ts";
import { growShared } from "./_alloc.ts";

/** Word: nodes taken. */
export const P_USED = 0;
/** Word: the first node; node `p` is `P_NODES + 2p` (park), `+ 1` (link). */
export const P_NODES = 16;
/** The most nodes the pool can hold: async waiters on conditions at once, per process. */
export const MAX_NODES = (NODES_MAX_BYTES / 4 - P_NODES) / 2;
/** Nodes of the pool's first size. */
const FIRST_NODES = 240;

/** The pool's words (length-tracking: follows `grow()`). */
export const nodes: Int32Array = new Int32Array(runtime.nodes);

/** Where this thread's next scan begins. */
let cursor = 0;

/** Nodes the pool holds now. */
export function capacity(): number {
  return nodes.length > P_NODES ? (nodes.length - P_NODES) >> 1 : 0;
}

function growFor(used: number): void {
  const sab = runtime.nodes;
  const want = Math.min(
    MAX_NODES,
    Math.max(FIRST_NODES, 2 * used, 2 * capacity()),
  );
  const bytes = (P_NODES + 2 * want) * 4;
  try {
    growShared(sab, bytes, "the async waiters of conditions", "Cannot wait on Condition");
  } catch (error) {
    // Another thread grew it meanwhile (grow() refuses to shrink): enough if it holds
    // `used` nodes.
    if (sab.byteLength < (P_NODES + 2 * used) * 4) throw error;
  }
}

/**
 * Claims a free node of the pool, its park word set to `state` (not 0).
 *
 * @returns The node's index `p` (its park word is `P_NODES + 2p`).
 * @throws {RangeError} If {@linkcode MAX_NODES} nodes are taken, or the memory cannot
 * be had.
 */
export function claimNode(state: number): number {
  if (nodes.length === 0) growFor(0);
  const used = Atomics.add(nodes, P_USED, 1) + 1;
  if (2 * used > capacity()) {
    try {
      if (used > MAX_NODES) {
        throw new RangeError(
          `Cannot wait on Condition: ${MAX_NODES} async waiters already wait on conditions in this process, received one more`,
        );
      }
      growFor(used);
    } catch (error) {
      Atomics.sub(nodes, P_USED, 1);
      throw error;
    }
  }
  for (;;) {
    const n = capacity();
    for (let i = 0; i < n; i++) {
      const p = cursor + i < n ? cursor + i : cursor + i - n;
      const park = P_NODES + 2 * p;
      if (
        Atomics.load(nodes, park) === 0 &&
        Atomics.compareExchange(nodes, park, 0, state) === 0
      ) {
        cursor = p + 1 < n ? p + 1 : 0;
        return p;
      }
    }
  }
}

/** Frees node `p` (its park word to 0), then uncounts it. */
export function freeNode(p: number): void {
  Atomics.store(nodes, P_NODES + 2 * p, 0);
  Atomics.sub(nodes, P_USED, 1);
}

/** Nodes taken now, and the pool's size in nodes (for tests). Not part of the API. */
export function nodeStats(): { used: number; capacity: number } {
  return {
    used: nodes.length === 0 ? 0 : Atomics.load(nodes, P_USED),
    capacity: capacity(),
  };
}
