// Copyright the threading for Deno authors. MIT license.
// Cancelling the library's async waits with an AbortSignal (finding 6 of the fifth user
// test: a get raced away with Promise.race stayed pending and ate a later item): an
// aborted wait withdraws (it takes no item, lock, permit or notify after the abort)
// and rejects with the signal's reason.
import assert from "node:assert/strict";
import {
  Barrier,
  BoundedSemaphore,
  Event,
  LifoQueue,
  PriorityQueue,
  Queue,
  Semaphore,
  shutdown,
  SimpleQueue,
  sleep,
  Thread,
} from "../src/threading.ts";
import { Condition } from "../src/condition.ts";
import { Lock, lockIsIdle } from "../src/lock.ts";
import { RLock, rlockIsIdle } from "../src/rlock.ts";

// ---- Thread targets (exported: code travels by reference) ----

/** Puts `n` items, `gapMs` ms apart. */
export function producer(q: Queue<number>, n: number, gapMs: number) {
  for (let i = 0; i < n; i++) {
    sleep(gapMs);
    q.put(i);
  }
}

/** Holds `lock` from `held` until `go`. */
export function holder(lock: Lock | RLock, held: Event, go: Event) {
  lock.acquire();
  held.set();
  go.wait();
  lock.release();
}

/** Blocks for a permit (a sync waiter on the semaphore's word), then sets `got`. */
export function permitTaker(s: Semaphore, got: Event) {
  s.acquire();
  got.set();
}

/** Blocks until `e` is set. */
export function eventWaiter(e: Event) {
  e.wait();
}

// ---- Helpers ----

class Stop extends Error {
  override name = "Stop";
}

/** A signal aborted with a `Stop` after `ms` ms, and its controller. */
function abortAfter(ms: number): AbortController {
  const ac = new AbortController();
  setTimeout(() => ac.abort(new Stop(`aborted after ${ms} ms`)), ms);
  return ac;
}

// ---- Queues ----

Deno.test("Queue.getAsync({ signal }): a get aborted in a timeout loop takes no item (finding 6)", async () => {
  const q = new Queue<number>();
  const t = new Thread({ target: producer, args: [q, 5, 150] });
  t.start();
  const got: number[] = [];
  let aborted = 0;
  while (got.length < 5) {
    try {
      got.push(await q.getAsync({ signal: AbortSignal.timeout(50) }));
    } catch (error) {
      assert.equal((error as Error).name, "TimeoutError");
      aborted++;
    }
    assert.ok(aborted < 2000, "the items never came");
  }
  await t.joinAsync();
  assert.deepEqual(got, [0, 1, 2, 3, 4]);
  assert.ok(aborted > 0);
  assert.equal(q.qsize(), 0);
  await shutdown();
});

for (const Kind of [Queue, LifoQueue, PriorityQueue, SimpleQueue]) {
  Deno.test(`${Kind.name}.getAsync: an aborted get rejects with the reason and a later item goes to the next get`, async () => {
    const q = new Kind<number>();
    const ac = abortAfter(30);
    const pending = q.getAsync(true, undefined, { signal: ac.signal });
    await assert.rejects(pending, Stop);
    q.put(7);
    assert.equal(q.qsize(), 1);
    assert.equal(q.get(false), 7);
  });
}

Deno.test("Queue.getAsync: an already aborted signal rejects at once and leaves the item", async () => {
  const q = new Queue<string>();
  q.put("kept");
  const reason = new Stop("before");
  await assert.rejects(
    q.getAsync({ signal: AbortSignal.abort(reason) }),
    (e) => e === reason,
  );
  assert.equal(q.get(false), "kept");
});

Deno.test("Queue.getAsync: a thread's item goes to the get that was not aborted", async () => {
  const q = new Queue<number>();
  const ac = new AbortController();
  const abandoned = q.getAsync({ signal: ac.signal });
  const live = q.getAsync(true, 20_000);
  ac.abort(new Stop());
  await assert.rejects(abandoned, Stop);
  const t = new Thread({ target: producer, args: [q, 1, 0] });
  t.start();
  assert.equal(await live, 0);
  await t.joinAsync();
  await shutdown();
});

Deno.test("Queue.putAsync({ signal }): an aborted put on a full queue puts nothing", async () => {
  const q = new Queue<number>(1);
  q.put(1);
  const ac = abortAfter(30);
  await assert.rejects(q.putAsync(2, { signal: ac.signal }), Stop);
  assert.equal(q.get(false), 1);
  assert.equal(q.qsize(), 0);
  // The positional form.
  q.put(1);
  await assert.rejects(
    q.putAsync(3, true, 20_000, { signal: abortAfter(30).signal }),
    Stop,
  );
  assert.equal(q.get(false), 1);
  assert.equal(q.qsize(), 0);
});

Deno.test("Queue.joinAsync({ signal }) rejects with the reason; the tasks stay unfinished", async () => {
  const q = new Queue<number>();
  q.put(1);
  await assert.rejects(q.joinAsync({ signal: abortAfter(30).signal }), Stop);
  assert.equal(q.unfinishedTasks, 1);
  q.get();
  q.taskDone();
  await q.joinAsync({ signal: abortAfter(20_000).signal });
});

Deno.test("Queue: options that are not { signal: AbortSignal } are a TypeError", async () => {
  const q = new Queue<number>();
  await assert.rejects(
    q.getAsync(true, 1, { signal: "no" as unknown as AbortSignal }),
    TypeError,
  );
  await assert.rejects(
    q.getAsync(true, 1, 5 as unknown as { signal: AbortSignal }),
    TypeError,
  );
});

// ---- Locks ----

for (const Kind of [Lock, RLock]) {
  Deno.test(`${Kind.name}.acquireAsync({ signal }): aborted while a thread holds the lock, it is not taken after the holder releases`, async () => {
    const lock = new Kind();
    const held = new Event(), go = new Event();
    const t = new Thread({ target: holder, args: [lock, held, go] });
    t.start();
    await held.waitAsync();
    const ac = abortAfter(30);
    await assert.rejects(lock.acquireAsync({ signal: ac.signal }), Stop);
    await assert.rejects(
      lock.acquireAsync(true, 20_000, { signal: abortAfter(30).signal }),
      Stop,
    );
    go.set();
    await t.joinAsync();
    assert.equal(lock.locked(), false);
    assert.equal(
      lock instanceof Lock ? lockIsIdle(lock) : rlockIsIdle(lock as RLock),
      true,
    );
    // And a later acquire still gets it.
    assert.equal(await lock.acquireAsync({ signal: abortAfter(20_000).signal }), true);
    lock.release();
    await shutdown();
  });

  Deno.test(`${Kind.name}.acquireAsync: an aborted waiter does not swallow the wake of a live one`, async () => {
    const lock = new Kind();
    const held = new Event(), go = new Event();
    const t = new Thread({ target: holder, args: [lock, held, go] });
    t.start();
    await held.waitAsync();
    const ac = new AbortController();
    const abandoned = lock.acquireAsync({ signal: ac.signal });
    const live = lock.acquireAsync(true, 20_000);
    ac.abort(new Stop());
    await assert.rejects(abandoned, Stop);
    go.set();
    assert.equal(await live, true);
    lock.release();
    await t.joinAsync();
    await shutdown();
  });
}

// ---- Semaphore, Event ----

for (const Kind of [Semaphore, BoundedSemaphore]) {
  Deno.test(`${Kind.name}.acquireAsync({ signal }): an aborted acquire takes no permit, and a blocked thread gets the one released`, async () => {
    const s = new Kind(1);
    s.acquire();
    await assert.rejects(s.acquireAsync({ signal: abortAfter(30).signal }), Stop);
    const got = new Event();
    const t = new Thread({ target: permitTaker, args: [s, got] });
    t.start();
    const ac = new AbortController();
    const abandoned = s.acquireAsync({ signal: ac.signal });
    ac.abort(new Stop());
    await assert.rejects(abandoned, Stop);
    s.release();
    assert.equal(await got.waitAsync(20_000), true);
    await t.joinAsync();
    assert.equal(s.acquire(false), false);
    await shutdown();
  });
}

Deno.test("Event.waitAsync({ signal }) rejects with the reason; a set event resolves true even with an aborted signal", async () => {
  const e = new Event();
  await assert.rejects(e.waitAsync({ signal: abortAfter(30).signal }), Stop);
  await assert.rejects(e.waitAsync(20_000, { signal: abortAfter(30).signal }), Stop);
  const t = new Thread({ target: eventWaiter, args: [e] });
  t.start();
  e.set();
  await t.joinAsync();
  assert.equal(await e.waitAsync({ signal: AbortSignal.abort() }), true);
  await shutdown();
});

// ---- Condition, Barrier, Thread ----

for (const make of [() => new Condition(), () => new Condition(new Lock())]) {
  Deno.test(`Condition(${make().lock.constructor.name}).waitAsync({ signal }): rejects holding the lock again, and the notify goes to the other waiter`, async () => {
    const c = make();
    await c.acquireAsync();
    const ac = new AbortController();
    const abandoned = c.waitAsync({ signal: ac.signal }).catch((e) => {
      // The lock is held again when the wait settles.
      assert.equal(c.lock.locked(), true);
      c.release();
      throw e;
    });
    await c.acquireAsync();
    const live = c.waitAsync(20_000).then((r) => {
      c.release();
      return r;
    });
    ac.abort(new Stop());
    await assert.rejects(abandoned, Stop);
    c.with(() => c.notify(1));
    assert.equal(await live, true);
    assert.equal(c.lock.locked(), false);
  });
}

Deno.test("Condition.acquireAsync({ signal }): aborted while a thread holds the lock, it is not taken", async () => {
  const c = new Condition();
  const held = new Event(), go = new Event();
  const t = new Thread({ target: holder, args: [c.lock, held, go] });
  t.start();
  await held.waitAsync();
  await assert.rejects(c.acquireAsync({ signal: abortAfter(30).signal }), Stop);
  go.set();
  await t.joinAsync();
  assert.equal(c.lock.locked(), false);
  await shutdown();
});

Deno.test("Condition.waitForAsync({ signal }) rejects with the reason", async () => {
  const c = new Condition();
  await c.acquireAsync();
  await assert.rejects(
    c.waitForAsync(() => false, { signal: abortAfter(30).signal }),
    Stop,
  );
  c.release();
});

Deno.test("Barrier.waitAsync({ signal }): an aborted party withdraws, as on an exception in CPython's wait", async () => {
  const b = new Barrier(3);
  const first = b.waitAsync(20_000);
  await assert.rejects(b.waitAsync({ signal: abortAfter(30).signal }), Stop);
  assert.equal(b.nWaiting, 1);
  assert.equal(b.broken, false);
  const [x, y, z] = await Promise.all([first, b.waitAsync(20_000), b.waitAsync(20_000)]);
  assert.deepEqual([x, y, z].sort(), [0, 1, 2]);
});

Deno.test("Thread.joinAsync({ signal }) rejects with the reason; the thread runs on", async () => {
  const e = new Event();
  const t = new Thread({ target: eventWaiter, args: [e] });
  t.start();
  await assert.rejects(t.joinAsync({ signal: abortAfter(30).signal }), Stop);
  assert.equal(t.isAlive(), true);
  e.set();
  await t.joinAsync({ signal: abortAfter(20_000).signal });
  assert.equal(t.isAlive(), false);
  await shutdown();
});
