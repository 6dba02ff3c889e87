// Copyright the threading for Deno authors. MIT license.
/**
 * {@linkcode LifoQueue}: a {@linkcode Queue} that returns its last item first (Python's
 * `queue.LifoQueue`); the engine (`_queue_core.ts`) takes from the top of its index.
 *
 * @module
 */
import { registerKind } from "./_codec.ts";
import { KIND_LIFO } from "./_queue_core.ts";
import { reviver, setQueueKind } from "./_queue_ops.ts";
import { Queue } from "./fifo_queue.ts";

/**
 * A last-in, first-out queue (a stack) shared by threads, as Python's
 * `queue.LifoQueue`.
 *
 * @typeParam T The type of the items.
 *
 * @example The last item put comes out first
 * ```ts
 * import { LifoQueue } from "@threading/threading";
 * import assert from "node:assert/strict";
 *
 * const q = new LifoQueue<number>();
 * for (const n of [1, 2, 3]) q.put(n);
 * assert.deepEqual([q.get(), q.get(), q.get()], [3, 2, 1]);
 * ```
 */
export class LifoQueue<T = unknown> extends Queue<T> {
}

setQueueKind(LifoQueue, KIND_LIFO);
registerKind("LifoQueue", reviver(() => new LifoQueue()));
