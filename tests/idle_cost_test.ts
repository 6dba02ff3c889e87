// Copyright the threading for Deno authors. MIT license.
// A blocked thread costs next to no CPU: its heartbeats (src/_waits.ts) slow down while
// the deadlock detector does not watch, and come every BEAT_MS while it does.
import assert from "node:assert/strict";
import { Event, shutdown, sleep, Thread } from "../src/threading.ts";
import { runtime, S_WAIT_BEAT, slotBase } from "../src/_runtime.ts";
import { BEAT_MS, IDLE_BEAT_MAX_MS, slotOfIdent } from "../src/_waits.ts";

export function blocked(e: Event) {
  e.wait();
}

export function setLater(e: Event, ms: number) {
  sleep(ms);
  e.set();
}

function beats(ident: number): number {
  return Atomics.load(runtime.i32, slotBase(slotOfIdent(ident)) + S_WAIT_BEAT);
}

Deno.test("a thread blocked without a timeout wakes rarely while the detector does not watch, every BEAT_MS while it does", async () => {
  const e = new Event();
  const t = new Thread({ target: blocked, args: [e] });
  t.start();
  sleep(300); // it is asleep in its wait
  // The main thread waits with a timeout: the detector does not watch.
  const before = beats(t.ident!);
  sleep(3000);
  const unwatched = beats(t.ident!) - before;
  // Slices of 100, 200, 400, 800, 800… ms: about 5 beats in 3 s (every BEAT_MS: 30).
  assert.ok(IDLE_BEAT_MAX_MS > BEAT_MS);
  assert.ok(unwatched >= 1 && unwatched <= 10, `beats in 3 s unwatched: ${unwatched}`);
  // The main thread waits without a timeout: the detector watches, the thread beats
  // every BEAT_MS once its current slice has ended.
  const release = new Event();
  const setter = new Thread({ target: setLater, args: [release, 3000] });
  const mark = beats(t.ident!);
  setter.start();
  release.wait();
  const watched = beats(t.ident!) - mark;
  assert.ok(watched >= 12, `beats in 3 s watched: ${watched}`);
  e.set();
  t.join();
  setter.join();
  await shutdown();
});
