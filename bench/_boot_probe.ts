// Copyright the threading for Deno authors. MIT license.
/**
 * The smallest Worker module: says "running" through the shared word it receives, and
 * ends. `thread_bench.ts` times its boot as the floor of a cold thread start.
 *
 * @module
 */
import { workerData } from "node:worker_threads";

const word = new Int32Array(workerData as SharedArrayBuffer);
Atomics.store(word, 0, 1);
Atomics.notify(word, 0);
