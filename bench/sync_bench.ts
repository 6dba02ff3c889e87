// Copyright the threading for Deno authors. MIT license.
/**
 * Event and Condition ping-pong between two threads against a raw futex ping-pong,
 * Barrier(2) and Barrier(4) cycles, and the creation cost of each primitive against
 * `new SharedArrayBuffer(64)` (every primitive lives in shared memory).
 *
 * Threads are started once per bench, outside the measured part (see `_crew.ts`).
 *
 *     deno bench --allow-read bench/sync_bench.ts
 *
 * @module
 */
import {
  Barrier,
  BoundedSemaphore,
  Condition,
  Event,
  Lock,
  RLock,
  Semaphore,
  shutdown,
} from "../mod.ts";
import { crewFor, crewLoop } from "./_crew.ts";
import { rawPing, rawPong, slots } from "./_raw.ts";
import { launch } from "./_threads.ts";
import { BARRIER_CYCLES, benchName, CREATE_OPS, PINGPONG_ROUNDS } from "./_workloads.ts";

const ROUNDS = PINGPONG_ROUNDS;

// ---- Ping-pong ----

/** Thread body: side `index` of a raw futex ping-pong on `word[0]`. */
export function rawSide(ctl: Int32Array, index: number, word: Int32Array): void {
  crewLoop(ctl, () => index === 0 ? rawPing(word, 0, ROUNDS) : rawPong(word, 0, ROUNDS));
}

/** Thread body: side `index` of an Event ping-pong (`ping` then `pong`, as in CPython's). */
export function eventSide(
  ctl: Int32Array,
  index: number,
  ping: Event,
  pong: Event,
): void {
  crewLoop(ctl, () => {
    if (index === 0) {
      for (let r = 0; r < ROUNDS; r++) {
        ping.set();
        pong.wait();
        pong.clear();
      }
    } else {
      for (let r = 0; r < ROUNDS; r++) {
        ping.wait();
        ping.clear();
        pong.set();
      }
    }
  });
}

/** Thread body: side `index` of a Condition ping-pong on the turn word `turn[0]`. */
export function conditionSide(
  ctl: Int32Array,
  index: number,
  cond: Condition,
  turn: Int32Array,
): void {
  const mine = index, theirs = 1 - index;
  crewLoop(ctl, () => {
    for (let r = 0; r < ROUNDS; r++) {
      cond.acquire();
      while (turn[0] !== mine) cond.wait();
      turn[0] = theirs;
      cond.notify();
      cond.release();
    }
  });
}

const word = slots(1);
Deno.bench({
  name: benchName("raw.pingpong", "raw"),
  group: `ping-pong (time per batch of ${PINGPONG_ROUNDS} round trips)`,
  baseline: true,
  fn() {
    crewFor(
      "raw.pingpong",
      () => launch(import.meta.url, 2, rawSide, (ctl, index) => [ctl, index, word]),
    ).batch();
  },
});

const ping = new Event(), pong = new Event();
Deno.bench({
  name: benchName("event.pingpong"),
  group: `ping-pong (time per batch of ${PINGPONG_ROUNDS} round trips)`,
  fn() {
    crewFor(
      "event.pingpong",
      () =>
        launch(import.meta.url, 2, eventSide, (ctl, index) => [ctl, index, ping, pong]),
    )
      .batch();
  },
});

/** Thread body: the answering side of a main ↔ thread raw ping-pong on `word[0]`. */
export function rawPongSide(ctl: Int32Array, word: Int32Array): void {
  crewLoop(ctl, () => rawPong(word, 0, ROUNDS));
}

const mainWord = slots(1);
Deno.bench({
  name: benchName("raw.pingpong.main", "raw"),
  group: `ping-pong, main thread ↔ 1 thread (time per batch of ${PINGPONG_ROUNDS})`,
  baseline: true,
  fn() {
    crewFor(
      "raw.pingpong.main",
      () => launch(import.meta.url, 1, rawPongSide, (ctl) => [ctl, mainWord]),
    ).batch(undefined, () => rawPing(mainWord, 0, ROUNDS));
  },
});

const mainPing = new Event(), mainPong = new Event();
Deno.bench({
  name: benchName("event.pingpong.main"),
  group: `ping-pong, main thread ↔ 1 thread (time per batch of ${PINGPONG_ROUNDS})`,
  fn() {
    crewFor(
      "event.pingpong.main",
      () =>
        launch(
          import.meta.url,
          1,
          eventSide,
          (ctl) => [ctl, 1, mainPing, mainPong],
        ),
    ).batch(undefined, () => {
      for (let r = 0; r < ROUNDS; r++) {
        mainPing.set();
        mainPong.wait();
        mainPong.clear();
      }
    });
  },
});

const cond = new Condition(), turn = slots(1);
Deno.bench({
  name: benchName("condition.pingpong"),
  group: `ping-pong (time per batch of ${PINGPONG_ROUNDS} round trips)`,
  fn() {
    crewFor(
      "condition.pingpong",
      () =>
        launch(
          import.meta.url,
          2,
          conditionSide,
          (ctl, index) => [ctl, index, cond, turn],
        ),
    )
      .batch();
  },
});

// ---- Barrier cycles ----

/** Thread body: `BARRIER_CYCLES` waits on `barrier` per batch. */
export function barrierSide(ctl: Int32Array, barrier: Barrier): void {
  crewLoop(ctl, () => {
    for (let c = 0; c < BARRIER_CYCLES; c++) barrier.wait();
  });
}

for (const parties of [2, 4]) {
  const barrier = new Barrier(parties);
  Deno.bench({
    name: benchName(`barrier${parties}.cycle`),
    group: `barrier cycles (time per batch of ${BARRIER_CYCLES} cycles)`,
    baseline: parties === 2,
    fn() {
      crewFor(
        `barrier${parties}.cycle`,
        () => launch(import.meta.url, parties, barrierSide, (ctl) => [ctl, barrier]),
      ).batch();
    },
  });
}

// ---- Creation ----

const sink: unknown[] = new Array(CREATE_OPS);
const makers: [string, () => unknown][] = [
  ["raw.sab", () => new SharedArrayBuffer(64)],
  ["create.lock", () => new Lock()],
  ["create.rlock", () => new RLock()],
  ["create.semaphore", () => new Semaphore()],
  ["create.boundedsemaphore", () => new BoundedSemaphore()],
  ["create.event", () => new Event()],
  ["create.condition", () => new Condition()],
  ["create.barrier", () => new Barrier(2)],
];
for (const [key, make] of makers) {
  Deno.bench({
    name: benchName(key, key.startsWith("raw.") ? "raw" : "threading"),
    group: `creation (time per batch of ${CREATE_OPS} objects)`,
    baseline: key === "raw.sab",
    fn() {
      for (let i = 0; i < CREATE_OPS; i++) sink[i] = make();
    },
  });
}

globalThis.addEventListener("unload", () => void shutdown());
