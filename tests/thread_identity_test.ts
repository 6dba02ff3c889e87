// Copyright the threading for Deno authors. MIT license.
// A Thread handle describes its own thread forever: after the thread ended, after its
// slot serves another thread, in every thread that holds a handle.
import assert from "node:assert/strict";
import { runDeno } from "./_subprocess.ts";
import {
  currentThread,
  enumerate,
  Event,
  mainThread,
  SharedList,
  shutdown,
  sleep,
  Thread,
  Timer,
} from "../src/threading.ts";
import {
  H_NEXT_SLOT,
  MAX_THREADS,
  runtime,
  S_RECORD,
  slotBase,
} from "../src/_runtime.ts";

// ---- Thread targets (exported: code travels by reference) ----

/** A Python-style stoppable thread: its stop flag is a shared Event field. */
export class StoppableThread extends Thread {
  stopEvent = new Event();
  stop(): void {
    this.stopEvent.set();
  }
  override run(): void {
    while (!this.stopEvent.wait(20));
  }
}

/** Stops `t` from another thread, reporting what class its handle arrived as. */
export function supervise(t: StoppableThread, out: SharedList<string>): void {
  out.push(`${t.constructor.name}|${t instanceof StoppableThread}`);
  t.stop();
}

/** Calls a Timer's cancel() from another thread. */
export function cancelTimer(t: Timer, out: SharedList<string>): void {
  out.push(`${t.constructor.name}|${t instanceof Timer}|${t.interval}`);
  t.cancel();
}

/** A Timer function: records that it fired. */
export function fired(out: SharedList<string>): void {
  out.push("fired");
}

/** Waits for `ev`. */
export function waitFor(ev: Event): void {
  ev.wait();
}

/** Records how a thread sees another thread's handle. */
export function show(other: Thread, out: SharedList<string>): void {
  out.push(
    `${other.name}|${other.ident}|${other.daemon}|${other.isAlive()}|${other.nativeId}`,
  );
}

/** Renames the current thread. */
export function renameSelf(to: string): void {
  currentThread().name = to;
}

/** Records the names of the threads that enumerate() lists, by ident, many times. */
export function watch(stop: Event, out: SharedList<string>): void {
  const seen = new Set<string>();
  while (!stop.isSet()) {
    for (const t of enumerate()) {
      const name = t.name;
      if (name.startsWith("id-")) seen.add(`${t.ident}:${name}`);
    }
  }
  out.push(...seen);
}

/** Names itself after its ident, then waits. */
export function nameAfterIdent(go: Event): void {
  currentThread().name = `id-${currentThread().ident}`;
  go.wait();
}

/** The slot that holds the record of `ident` (white box: the thread table). */
function slotOf(ident: number): number {
  for (let slot = 1; slot < MAX_THREADS; slot++) {
    if (Atomics.load(runtime.i32, slotBase(slot) + S_RECORD) === ident) return slot;
  }
  return -1;
}

// ---- Tests ----

Deno.test("a handle names its own thread after its slot serves another thread", async () => {
  const go = new Event();
  const hold = new Event();
  const out = new SharedList<string>();
  const first = new Thread({ name: "first", target: waitFor, args: [go] });
  first.start();
  const firstNative = first.nativeId;
  go.set();
  first.join();
  // The next start takes first's slot (slots are handed out round robin otherwise).
  const slot = slotOf(first.ident!);
  if (slot > 0) Atomics.store(runtime.i32, H_NEXT_SLOT, slot);
  const filler = new Thread({
    name: "filler",
    target: waitFor,
    args: [hold],
    daemon: true,
  });
  filler.start();
  try {
    if (slot > 0) assert.equal(slotOf(filler.ident!), slot, "filler took first's slot");
    const second = new Thread({ name: "second", target: show, args: [first, out] });
    second.start();
    second.join();
    assert.deepEqual(out.toArray(), [
      `first|${first.ident}|false|false|${firstNative}`,
    ]);
    assert.equal(first.name, "first");
    assert.equal(first.daemon, false);
    assert.equal(first.nativeId, firstNative);
    assert.equal(first.isAlive(), false);
    assert.equal(filler.name, "filler");
  } finally {
    hold.set();
    filler.join();
  }
  await shutdown();
});

Deno.test("a name set inside a thread is what its creator's handle reads after join()", async () => {
  const t = new Thread({ name: "original", target: renameSelf, args: ["renamed"] });
  t.start();
  t.join();
  assert.equal(t.name, "renamed");
  assert.match(String(t), /^<Thread\(renamed, stopped \d+\)>$/);
  // After another thread took the slot, the handle still keeps that last name.
  const slot = slotOf(t.ident!);
  if (slot > 0) Atomics.store(runtime.i32, H_NEXT_SLOT, slot);
  const hold = new Event();
  const other = new Thread({ name: "other", target: waitFor, args: [hold] });
  other.start();
  try {
    assert.equal(t.name, "renamed");
    t.name = "set after the end";
    assert.equal(t.name, "set after the end");
    assert.equal(other.name, "other");
  } finally {
    hold.set();
    other.join();
  }
  await shutdown();
});

Deno.test("enumerate() in a thread never names a thread after another", async () => {
  const stop = new Event();
  const out = new SharedList<string>();
  const watcher = new Thread({ name: "watcher", target: watch, args: [stop, out] });
  watcher.start();
  try {
    for (let i = 0; i < 40; i++) {
      const go = new Event();
      const ts = [0, 1, 2].map(() => new Thread({ target: nameAfterIdent, args: [go] }));
      for (const t of ts) t.start();
      // Reuse the slots at once, so that the watcher's handles race with new records.
      Atomics.store(runtime.i32, H_NEXT_SLOT, 1);
      go.set();
      for (const t of ts) t.join();
    }
  } finally {
    stop.set();
    watcher.join();
  }
  const wrong = out.toArray().filter((entry) => {
    const [ident, name] = entry.split(":");
    return name !== `id-${ident}`;
  });
  assert.deepEqual(wrong, []);
  await shutdown();
});

Deno.test("an empty name gets an automatic Thread-N name, as in CPython", () => {
  assert.match(new Thread({ name: "" }).name, /^Thread-\d+$/);
  assert.match(new Thread({ name: 0 }).name, /^Thread-\d+$/);
  assert.equal(new Thread({ name: "x" }).name, "x");
  assert.equal(mainThread().name, "MainThread");
});

Deno.test("getNativeId() on the main thread is the OS thread id from the first call", async () => {
  const script = `
    import { getNativeId, mainThread } from ${
    JSON.stringify(new URL("../mod.ts", import.meta.url).href)
  };
    const first = getNativeId();
    const tid = Number(Deno.readLinkSync("/proc/thread-self").split("/").pop());
    console.log(JSON.stringify({ first, tid, handle: mainThread().nativeId, again: getNativeId() }));
  `;
  const out = await runDeno(["eval", "--no-lock", script]);
  const text = out.stdout;
  assert.equal(out.code, 0, out.stderr);
  const { first, tid, handle, again } = JSON.parse(text);
  assert.ok(tid > 1);
  assert.equal(first, tid);
  assert.equal(handle, tid);
  assert.equal(again, tid);
});

Deno.test("a subclass handle sent to another thread arrives as its subclass: Timer.cancel() and stop() from there", async () => {
  const out = new SharedList<string>();
  const timer = new Timer(60_000, fired, [out]);
  timer.start();
  const canceller = new Thread({ target: cancelTimer, args: [timer, out] });
  canceller.start();
  canceller.join();
  const t0 = performance.now();
  timer.join(30_000);
  assert.equal(
    timer.isAlive(),
    false,
    "the Timer was not cancelled from the other thread",
  );
  assert.ok(performance.now() - t0 < 30_000);

  const worker = new StoppableThread();
  worker.start();
  sleep(10);
  const supervisor = new Thread({ target: supervise, args: [worker, out] });
  supervisor.start();
  supervisor.join();
  worker.join(30_000);
  assert.equal(worker.isAlive(), false, "stop() from the supervisor did not stop it");
  assert.deepEqual([...out], ["Timer|true|60000", "StoppableThread|true"]);
  await shutdown();
});
