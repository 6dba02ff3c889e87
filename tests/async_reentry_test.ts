// Copyright the threading for Deno authors. MIT license.
// Async waits of one thread over a lock owned by the thread (an RLock): a wait that
// takes the lock back while another async task of the same thread holds it reenters
// (finding 7 of the fifth user test: Condition.waitAsync over an RLock hung for ever).
import assert from "node:assert/strict";
import { Event, shutdown, sleep, Thread } from "../src/threading.ts";
import { C_HEAD, C_TAIL, Condition, conditionWords } from "../src/condition.ts";
import { Lock, lockIsIdle } from "../src/lock.ts";
import { R_COUNT, R_OWNER, RLock, rlockIsIdle, rlockWords } from "../src/rlock.ts";
import { current } from "../src/_runtime.ts";

// ---- Thread targets (exported: code travels by reference) ----

/**
 * Once `ready` is set, holds the condition's lock for `holdMs` ms, sending `n`
 * notifies (`Infinity`: one notifyAll) at its start, so that the woken waiters' takes
 * of the lock all wait for this thread's release.
 */
export function notifier(c: Condition, ready: Event, n: number, holdMs: number) {
  ready.wait();
  c.with(() => {
    if (n === Infinity) c.notifyAll();
    else for (let i = 0; i < n; i++) c.notify(1);
    sleep(holdMs);
  });
}

/** Holds `lock` from `held` until `go`. */
export function holder(lock: RLock | Lock, held: Event, go: Event) {
  lock.acquire();
  held.set();
  go.wait();
  lock.release();
}

// ---- Helpers ----

/** `p`, or a rejection if it does not settle within `ms` ms (generous: heavy load). */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: did not settle within ${ms} ms`)),
      ms,
    );
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

type End = "timeout-up" | "timeout-down" | "notify" | "notifyAll" | "mixed";
const ENDS: End[] = ["timeout-up", "timeout-down", "notify", "notifyAll", "mixed"];

/**
 * `n` async tasks of this thread each take the condition's lock and wait on it, one
 * after the other, ended as `end` says:
 * - `timeout-up`/`-down`: each times out, the first one first or the last one first;
 * - `notify`/`notifyAll`: a thread sends `n` notifies, or one notifyAll, and holds the
 *   lock a while, so that every waiter's take of the lock waits for its release;
 * - `mixed`: the last waiter times out (before the thread takes the lock, or while it
 *   holds it), the others are notified (FIFO: the first `n - 1`).
 * Returns the waits' promises and what each should resolve to.
 */
async function startWaiters(
  c: Condition,
  n: number,
  end: End,
): Promise<{ waits: Promise<boolean>[]; expected: boolean[]; thread?: Thread }> {
  const waits: Promise<boolean>[] = [];
  const expected: boolean[] = [];
  for (let i = 0; i < n; i++) {
    await c.acquireAsync();
    let timeout: number | undefined;
    if (end === "timeout-up") timeout = 100 + 100 * i;
    else if (end === "timeout-down") timeout = 100 + 100 * (n - i);
    else if (end === "mixed" && i === n - 1) timeout = 100;
    waits.push(c.waitAsync(timeout));
    expected.push(timeout === undefined);
  }
  if (end === "timeout-up" || end === "timeout-down") return { waits, expected };
  const ready = new Event();
  const count = end === "notifyAll" ? Infinity : end === "mixed" ? n - 1 : n;
  const thread = new Thread({ target: notifier, args: [c, ready, count, 400] });
  thread.start();
  ready.set();
  return { waits, expected, thread };
}

function assertQueueEmpty(c: Condition): void {
  const words = conditionWords(c);
  assert.deepEqual([words[C_HEAD], words[C_TAIL]], [0, 0]);
}

// ---- Tests ----

for (const n of [2, 3]) {
  for (const end of ENDS) {
    // Mixed, awaited holding the lock: the timed-out waiter may take the lock back
    // before the notifier gets it, which then waits for it for ever (a true deadlock).
    if (end !== "mixed") {
      Deno.test(`Condition(RLock).waitAsync: ${n} async waiters of one thread, ${end}, awaited in turn holding the lock: each reenters`, async () => {
        const c = new Condition(new RLock());
        const { waits, expected, thread } = await startWaiters(c, n, end);
        // As the user's program: await each wait in turn, holding what it gave back.
        for (let i = 0; i < n; i++) {
          assert.equal(await within(waits[i], 20_000, `wait ${i}`), expected[i]);
        }
        // Each wait gave back the level its task took: n levels, then idle.
        const words = rlockWords(c.lock as RLock);
        assert.equal(words[R_OWNER], current.ident);
        assert.equal(words[R_COUNT], n);
        for (let i = 0; i < n; i++) c.release();
        assert.equal(rlockIsIdle(c.lock as RLock), true);
        assertQueueEmpty(c);
        await thread?.joinAsync();
        await shutdown();
      });
    }

    Deno.test(`Condition(RLock).waitAsync: ${n} async waiters of one thread, ${end}, each task releasing when its wait settles`, async () => {
      const c = new Condition(new RLock());
      const { waits, expected, thread } = await startWaiters(c, n, end);
      const results = await within(
        Promise.all(waits.map((w) =>
          w.then((r) => {
            c.release();
            return r;
          })
        )),
        20_000,
        "the waits",
      );
      assert.deepEqual(results, expected);
      assert.equal(rlockIsIdle(c.lock as RLock), true);
      assertQueueEmpty(c);
      await thread?.joinAsync();
      await shutdown();
    });

    Deno.test(`Condition(Lock).waitAsync: ${n} async waiters of one thread, ${end}, each task releasing when its wait settles`, async () => {
      const c = new Condition(new Lock());
      const { waits, expected, thread } = await startWaiters(c, n, end);
      const results = await within(
        Promise.all(waits.map((w) =>
          w.then((r) => {
            c.release();
            return r;
          })
        )),
        20_000,
        "the waits",
      );
      assert.deepEqual(results, expected);
      assert.equal(lockIsIdle(c.lock as Lock), true);
      assertQueueEmpty(c);
      await thread?.joinAsync();
      await shutdown();
    });
  }
}

Deno.test("RLock.acquireAsync: two tasks wait for a lock that a thread holds; once it is free, the second reenters without the first releasing", async () => {
  const lock = new RLock();
  const held = new Event(), go = new Event();
  const t = new Thread({ target: holder, args: [lock, held, go] });
  t.start();
  await held.waitAsync();
  const first = lock.acquireAsync();
  const second = lock.acquireAsync();
  go.set();
  assert.equal(await within(first, 20_000, "first"), true);
  assert.equal(await within(second, 20_000, "second"), true);
  assert.equal(rlockWords(lock)[R_COUNT], 2);
  lock.release();
  lock.release();
  assert.equal(rlockIsIdle(lock), true);
  await t.joinAsync();
  await shutdown();
});

Deno.test("RLock.acquireAsync: a task waiting for a thread's lock reenters once a blocking acquire of its own thread took it", async () => {
  const lock = new RLock();
  const held = new Event(), go = new Event();
  const t = new Thread({ target: holder, args: [lock, held, go] });
  t.start();
  await held.waitAsync();
  const waiting = lock.acquireAsync();
  go.set();
  // This thread blocks for the lock: the pending task's wait sees it owned.
  assert.equal(lock.acquire(true, 20_000), true);
  assert.equal(await within(waiting, 20_000, "the pending acquireAsync"), true);
  assert.equal(rlockWords(lock)[R_COUNT], 2);
  lock.release();
  lock.release();
  assert.equal(rlockIsIdle(lock), true);
  await t.joinAsync();
  await shutdown();
});

Deno.test("Condition(RLock).waitAsync: the user's program (finding 7): the second wait times out too", async () => {
  const c = new Condition(new RLock());
  await c.acquireAsync();
  const p1 = c.waitAsync(300);
  await c.acquireAsync();
  const p2 = c.waitAsync(300);
  assert.equal(await within(p1, 20_000, "p1"), false);
  assert.equal(await within(p2, 20_000, "p2"), false);
  c.release();
  c.release();
  assert.equal(rlockIsIdle(c.lock as RLock), true);
});
