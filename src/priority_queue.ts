// Copyright the threading for Deno authors. MIT license.
/**
 * {@linkcode PriorityQueue}: a {@linkcode Queue} that returns its smallest item first
 * (Python's `queue.PriorityQueue`); the engine (`_queue_core.ts`) keeps its index as a
 * binary heap ordered by `_queue_order.ts`.
 *
 * @module
 */
import { registerKind } from "./_codec.ts";
import { KIND_PRIORITY } from "./_queue_core.ts";
import { reviver, setQueueKind } from "./_queue_ops.ts";
import { Queue } from "./fifo_queue.ts";

/**
 * A queue shared by threads that returns its smallest item first, as Python's
 * `queue.PriorityQueue`. Items are compared as Python compares them: numbers by value,
 * strings by code units, arrays element by element like tuples (so `[priority, data]`
 * entries come out by priority). Putting an item that cannot be ordered against the
 * items it meets throws a `TypeError`, as Python's `'<' not supported`.
 *
 * @typeParam T The type of the items.
 *
 * @example Entries come out by priority
 * ```ts
 * import { PriorityQueue } from "@threading/threading";
 * import assert from "node:assert/strict";
 *
 * const q = new PriorityQueue<[number, string]>();
 * q.put([3, "low"]);
 * q.put([1, "high"]);
 * q.put([2, "mid"]);
 * assert.deepEqual(q.get(), [1, "high"]);
 * assert.deepEqual(q.get(), [2, "mid"]);
 * ```
 */
export class PriorityQueue<T = unknown> extends Queue<T> {
}

setQueueKind(PriorityQueue, KIND_PRIORITY);
registerKind("PriorityQueue", reviver(() => new PriorityQueue()));
