// Copyright the threading for Deno authors. MIT license.
// Condition.waitAsync with many async waiters at once (finding ut8#6: the 31st was
// refused with a RangeError): past the condition's own ASYNC_NODES nodes, waiters park
// on nodes of the process-wide pool (src/_async_nodes.ts). FIFO order across the two
// kinds and the blocking waiters of threads, timeouts and aborts leaving their place,
// no node kept once the waits are over, threads that end with waits pending.
import assert from "node:assert/strict";
import { Event, Queue, shutdown, Thread } from "../src/threading.ts";
import {
  ASYNC_NODES,
  C_HEAD,
  C_LOST,
  C_NODES,
  C_TAIL,
  Condition,
  conditionWords,
} from "../src/condition.ts";
import { Lock } from "../src/lock.ts";
import { arrayOf, LINK, parkOf } from "../src/_condition_queue.ts";
import { nodeStats } from "../src/_async_nodes.ts";

/** Generous: the machine may be loaded. */
const LONG = 60_000;

// ---- Thread targets (exported: code travels by reference) ----

/** Enters a blocking wait on `cond`, then puts `label` (negated if it timed out) on `woke`. */
export function blockingWaiter(
  cond: Condition,
  label: number,
  woke: Queue,
  entered: Event,
) {
  cond.with(() => {
    entered.set();
    const notified = cond.wait(LONG);
    woke.put(notified ? label : -label);
  });
}

/**
 * Starts `count` async waiters on `cond` in this thread; each, once woken, puts its
 * index (negated if it timed out) on `woke` and releases the lock. Sets `queued` once all
 * wait, then awaits them.
 */
export async function asyncWaiters(
  cond: Condition,
  count: number,
  woke: Queue,
  queued: Event,
) {
  const waits: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    await cond.acquireAsync();
    waits.push(
      cond.waitAsync(LONG).then((notified) => {
        woke.put(notified ? i : -1 - i);
        cond.release();
      }),
    );
  }
  queued.set();
  await Promise.all(waits);
}

/**
 * Leaves `count` async waits pending on `cond`, sets `queued`, then blocks (its event
 * loop does not run, so a notify does not reach the waits) until `go` is set, and ends.
 */
export async function deadAsyncWaiters(
  cond: Condition,
  count: number,
  queued: Event,
  go: Event,
) {
  for (let i = 0; i < count; i++) {
    await cond.acquireAsync();
    cond.waitAsync();
  }
  queued.set();
  go.wait(LONG);
}

// ---- Helpers ----

/** The node ids in `cond`'s wait queue, head first. */
function queueIds(cond: Condition): number[] {
  const words = conditionWords(cond);
  const ids: number[] = [];
  for (let id = words[C_HEAD]; id !== 0; id = arrayOf(words, id)[parkOf(id) + LINK]) {
    ids.push(id);
    assert.ok(ids.length <= 100_000, "the queue loops");
  }
  return ids;
}

/** Asserts that `cond` has no waiter and holds no node, its own or the pool's. */
function assertEmpty(cond: Condition, usedBefore: number) {
  const words = conditionWords(cond);
  assert.deepEqual([words[C_HEAD], words[C_TAIL], words[C_LOST]], [0, 0, 0]);
  for (let k = 0; k < ASYNC_NODES; k++) {
    assert.equal(words[C_NODES + 2 * k], 0, `own node ${k} free`);
  }
  assert.equal(nodeStats().used, usedBefore, "pool nodes all given back");
}

/**
 * Starts `count` async waiters on the main thread, in order, numbered from `first`;
 * waiter `i` waits with `options(i)` and, once settled, records `i` (notified), `-1 - i` (timed out) or
 * `"aborted"` in `settled[i]`, then releases the lock. Returns with the lock free (the
 * last `waitAsync()` released it).
 */
async function startMainWaiters(
  cond: Condition,
  count: number,
  settled: (number | string | undefined)[],
  options: (i: number) => { timeout?: number; signal?: AbortSignal } = () => ({}),
  woke?: Queue,
  first = 0,
): Promise<Promise<void>[]> {
  const waits: Promise<void>[] = [];
  for (let i = first; i < first + count; i++) {
    await cond.acquireAsync();
    const { timeout, signal } = options(i);
    waits.push(
      cond.waitAsync(timeout, { signal }).then(
        (notified) => {
          settled[i] = notified ? i : -1 - i;
          woke?.put(settled[i]);
          cond.release();
        },
        (error) => {
          assert.equal(error, "stop");
          settled[i] = "aborted";
          cond.release();
        },
      ),
    );
  }
  return waits;
}

/**
 * Keeps the event loop alive for one test. In Deno 2.9.6 a main-thread
 * `Atomics.waitAsync` without a timeout that the main thread's own `Atomics.notify`
 * resolves does not keep the loop alive (the loop may end first: "Top-level await
 * promise never resolved" in a plain program of four lines), and the library holds the
 * loop for such a wait only while another thread lives, or for 1 s after
 * (`_async_keep.ts`). On a loaded machine (load 67) a test of main-thread waiters here
 * outlasted that second and ended as "Promise resolution is still pending but the event
 * loop has already resolved": a limit of the keep-alive, not of the condition.
 */
function keepLoop(): Disposable {
  const timer = setInterval(() => {}, 1000);
  return { [Symbol.dispose]: () => clearInterval(timer) };
}

// ---- Tests ----

Deno.test("Condition.waitAsync(): 300 async waiters on the main thread; notify(n) wakes them in FIFO order, exactly n", async () => {
  using _loop = keepLoop();
  const before = nodeStats().used;
  const cond = new Condition(new Lock());
  const settled: (number | string | undefined)[] = [];
  const woke = new Queue();
  const waits = await startMainWaiters(cond, 300, settled, undefined, woke);
  assert.equal(queueIds(cond).length, 300);
  assert.equal(nodeStats().used, before + 300 - ASYNC_NODES);
  // One at a time across the condition's own nodes and the pool's: strict FIFO.
  for (let i = 0; i < 45; i++) {
    await cond.withAsync(() => cond.notify(1));
    assert.equal(await woke.getAsync(true, LONG), i);
  }
  // In batches: exactly the next n, whatever order they take the lock back in.
  let next = 45;
  for (const n of [1, 7, 30, 64, 100]) {
    await cond.withAsync(() => cond.notify(n));
    const got: number[] = [];
    for (let j = 0; j < n; j++) got.push(await woke.getAsync(true, LONG) as number);
    got.sort((a, b) => a - b);
    assert.deepEqual(got, Array.from({ length: n }, (_, j) => next + j));
    assert.equal(queueIds(cond).length, 300 - next - n);
    next += n;
  }
  await cond.withAsync(() => cond.notifyAll());
  await Promise.all(waits);
  assert.deepEqual(settled, Array.from({ length: 300 }, (_, i) => i));
  assertEmpty(cond, before);
});

Deno.test("Condition.waitAsync(): timed-out and aborted waiters among 400 leave their place; the rest keep FIFO; no node is kept, round after round", async () => {
  using _loop = keepLoop();
  const before = nodeStats().used;
  const cond = new Condition(new Lock());
  let capacity = -1;
  for (let round = 0; round < 3; round++) {
    const count = 400;
    const settled: (number | string | undefined)[] = [];
    const controllers = new Map<number, AbortController>();
    const woke = new Queue();
    const waits = await startMainWaiters(cond, count, settled, (i) => {
      if (i % 3 === 1) return { timeout: 1 };
      if (i % 5 === 2) {
        const c = new AbortController();
        controllers.set(i, c);
        return { signal: c.signal };
      }
      return {};
    }, woke);
    for (const c of controllers.values()) c.abort("stop");
    // The timed-out and the aborted settle without any notify.
    for (let i = 0; i < count; i++) {
      if (i % 3 === 1 || controllers.has(i)) await waits[i];
    }
    const stay = Array.from({ length: count }, (_, i) => i).filter((i) =>
      i % 3 !== 1 && !controllers.has(i)
    );
    for (let i = 0; i < count; i++) {
      if (i % 3 === 1) assert.equal(settled[i], -1 - i, `waiter ${i} timed out`);
      else if (controllers.has(i)) assert.equal(settled[i], "aborted");
    }
    // Timed-out waiters put their -1 - i on the queue: take them off first.
    while (woke.qsize() > 0) assert.ok((woke.getNowait() as number) < 0);
    assert.equal(queueIds(cond).length, stay.length);
    for (let j = 0; j < 40; j++) {
      await cond.withAsync(() => cond.notify(1));
      assert.equal(await woke.getAsync(true, LONG), stay[j]);
    }
    await cond.withAsync(() => cond.notifyAll());
    await Promise.all(waits);
    for (const i of stay) assert.equal(settled[i], i);
    assertEmpty(cond, before);
    // The pool grew once, to what 400 waiters need, and not again.
    if (round === 0) capacity = nodeStats().capacity;
    else assert.equal(nodeStats().capacity, capacity, `round ${round}`);
  }
  assert.ok(capacity <= 2048, `pool of ${capacity} nodes for 370 waiters`);
});

Deno.test("Condition.waitAsync(): 250 async waiters in a thread, notified from the main thread in FIFO order", async () => {
  using _loop = keepLoop();
  const before = nodeStats().used;
  const cond = new Condition(new Lock());
  const woke = new Queue();
  const queued = new Event();
  const t = new Thread({ target: asyncWaiters, args: [cond, 250, woke, queued] });
  t.start();
  assert.equal(await queued.waitAsync(LONG), true);
  // The thread set `queued` after its last waitAsync() released the lock.
  await cond.acquireAsync();
  assert.equal(queueIds(cond).length, 250);
  cond.release();
  for (let i = 0; i < 40; i++) {
    await cond.withAsync(() => cond.notify(1));
    assert.equal(await woke.getAsync(true, LONG), i);
  }
  await cond.withAsync(() => cond.notify(60));
  const got: number[] = [];
  for (let j = 0; j < 60; j++) got.push(await woke.getAsync(true, LONG) as number);
  assert.deepEqual(
    got.sort((a, b) => a - b),
    Array.from({ length: 60 }, (_, j) => 40 + j),
  );
  await cond.withAsync(() => cond.notifyAll());
  for (let j = 100; j < 250; j++) {
    assert.ok(await woke.getAsync(true, LONG) as number >= 100);
  }
  t.join(LONG);
  assert.equal(t.isAlive(), false);
  assertEmpty(cond, before);
  await shutdown();
});

Deno.test("Condition: blocking waiters of threads among 200 async waiters of the main thread are woken in their FIFO place", async () => {
  using _loop = keepLoop();
  const before = nodeStats().used;
  const cond = new Condition(new Lock());
  const woke = new Queue();
  const threads: Thread[] = [];
  const order: number[] = [];
  const waits: Promise<void>[] = [];
  // Async waiters 0..199 with blocking waiters (labelled 1000 + k) at 10, 35 and 120.
  for (let i = 0, k = 0; i < 200; i++) {
    if (i === 10 || i === 35 || i === 120) {
      const entered = new Event();
      const t = new Thread({
        target: blockingWaiter,
        args: [cond, 1000 + k, woke, entered],
      });
      t.start();
      assert.equal(await entered.waitAsync(LONG), true);
      threads.push(t);
      order.push(1000 + k++);
    }
    // Taken once the waiter above has released it in wait(): it is queued.
    waits.push(...await startMainWaiters(cond, 1, [], undefined, woke, i));
    order.push(i);
  }
  assert.equal(queueIds(cond).length, 203);
  const seen: number[] = [];
  for (let j = 0; j < order.length; j++) {
    await cond.withAsync(() => cond.notify(1));
    seen.push(await woke.getAsync(true, LONG) as number);
  }
  assert.deepEqual(seen, order);
  await Promise.all(waits);
  for (const t of threads) t.join(LONG);
  assertEmpty(cond, before);
  await shutdown();
});

Deno.test("Condition.waitAsync(): a thread that ends with 100 waits pending (50 of them notified) swallows no notify and leaves no node", async () => {
  using _loop = keepLoop();
  const before = nodeStats().used;
  const cond = new Condition(new Lock());
  const queued = new Event();
  const go = new Event();
  const dead = new Thread({ target: deadAsyncWaiters, args: [cond, 100, queued, go] });
  dead.start();
  assert.equal(await queued.waitAsync(LONG), true);
  // Notified while the thread is blocked: its waits never take these notifies.
  await cond.withAsync(() => cond.notify(50));
  go.set();
  dead.join(LONG);
  assert.equal(dead.isAlive(), false);
  const words = conditionWords(cond);
  assert.equal(words[C_LOST], 50, "the notifies its ended waits had taken");
  assert.equal(queueIds(cond).length, 50, "its abandoned waits, still queued");
  assert.equal(nodeStats().used, before + 50);
  const woke = new Queue();
  const entered = new Event();
  const live = new Thread({ target: blockingWaiter, args: [cond, 7, woke, entered] });
  live.start();
  assert.equal(await entered.waitAsync(LONG), true);
  await cond.withAsync(() => cond.notify(1));
  assert.equal(await woke.getAsync(true, LONG), 7);
  live.join(LONG);
  assertEmpty(cond, before);
  await shutdown();
});

Deno.test("Condition.waitAsync(): 2 threads and the main thread park 300 async waiters each at once; notifyAll wakes all 900, no node kept", async () => {
  using _loop = keepLoop();
  const before = nodeStats().used;
  const cond = new Condition(new Lock());
  const woke = new Queue();
  const queued = [1, 2].map(() => new Event());
  // The threads claim pool nodes at the same time (the pool grows under them).
  const threads = queued.map((q) =>
    new Thread({ target: asyncWaiters, args: [cond, 300, woke, q] })
  );
  for (const t of threads) t.start();
  const settled: (number | string | undefined)[] = [];
  const waits = await startMainWaiters(cond, 300, settled);
  for (const q of queued) assert.equal(await q.waitAsync(LONG), true);
  await cond.acquireAsync();
  assert.equal(queueIds(cond).length, 900);
  assert.equal(new Set(queueIds(cond)).size, 900, "every waiter on a node of its own");
  assert.equal(nodeStats().used, before + 900 - ASYNC_NODES);
  cond.notifyAll();
  cond.release();
  await Promise.all(waits);
  let notified = 0;
  for (let j = 0; j < 600; j++) {
    if (await woke.getAsync(true, LONG) as number >= 0) notified++;
  }
  assert.equal(notified, 600);
  assert.ok(settled.every((s, i) => s === i));
  for (const t of threads) t.join(LONG);
  assertEmpty(cond, before);
  await shutdown();
});
