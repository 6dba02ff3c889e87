// Copyright the threading for Deno authors. MIT license.
/**
 * The same workloads on the `multithreading` npm package (0.3.52, "the missing standard
 * library for multithreading in JavaScript"): its `Mutex` (`blockingLock()`, a guard
 * whose `dispose()` unlocks) and `Semaphore` (`blockingAcquire()`, a guard whose
 * `dispose()` releases), in their blocking forms, on the package's own workers
 * (`spawn(move(...args), fn)`), since its objects cannot cross this library's threads
 * nor ours its workers.
 *
 * Its `spawn` sends the function's source text to a worker and imports it there as a
 * `data:` module, so a thread body must be self-contained: the crew protocol of
 * `../_crew.ts` is written out inline below, with the control word indexes as literals
 * (GEN 0, DONE 16, READY 32, STOP 48). The package works on Deno as it is, with no
 * permission (its worker module is loaded from the npm cache).
 *
 *     deno bench --config bench/peers/deno.json bench/peers/multithreading_bench.ts
 *
 * `bench/peers/` has its own `deno.json` and `deno.lock` (the project's config excludes
 * it): the package is pinned there, not in the project's lockfile, whose npm packages
 * every `deno run` of an example installs.
 *
 * @module
 */
import { initRuntime, move, Mutex, Semaphore, shutdown, spawn } from "multithreading";
import { Crew } from "../_crew.ts";
import {
  benchName,
  COUNTER_OPS,
  COUNTER_THREADS,
  SEM2X4_OPS,
  UNCONTENDED_OPS,
} from "../_workloads.ts";

const IMPL = "multithreading";
const N = UNCONTENDED_OPS;

// Up to 8 tasks at once, one per worker (the default is one worker per core: 2).
initRuntime({ maxWorkers: 8 });

// ---- Uncontended, on the main thread ----

const mutex = new Mutex();
Deno.bench({
  name: benchName("lock.pair", IMPL),
  group: `uncontended pair (time per batch of ${UNCONTENDED_OPS} pairs)`,
  baseline: true,
  fn() {
    for (let i = 0; i < N; i++) mutex.blockingLock().dispose();
  },
});

const sem1 = new Semaphore(1);
Deno.bench({
  name: benchName("sem1.pair", IMPL),
  group: `uncontended pair (time per batch of ${UNCONTENDED_OPS} pairs)`,
  fn() {
    for (let i = 0; i < N; i++) sem1.blockingAcquire().dispose();
  },
});

// ---- Crews on the package's workers ----

interface Options {
  ctl: Int32Array;
  per: number;
}

function counterTask(mutex: Mutex<Int32Array>, options: Options): void {
  const { ctl, per } = options;
  let seen = Atomics.load(ctl, 0);
  Atomics.add(ctl, 32, 1);
  Atomics.notify(ctl, 32);
  for (;;) {
    let gen: number;
    while ((gen = Atomics.load(ctl, 0)) === seen) Atomics.wait(ctl, 0, seen);
    seen = gen;
    if (Atomics.load(ctl, 48) === 1) return;
    for (let i = 0; i < per; i++) {
      const guard = mutex.blockingLock();
      guard.value[0]++;
      guard.dispose();
    }
    Atomics.add(ctl, 16, 1);
    Atomics.notify(ctl, 16);
  }
}

function semaphoreTask(sem: Semaphore, options: Options): void {
  const { ctl, per } = options;
  let seen = Atomics.load(ctl, 0);
  Atomics.add(ctl, 32, 1);
  Atomics.notify(ctl, 32);
  for (;;) {
    let gen: number;
    while ((gen = Atomics.load(ctl, 0)) === seen) Atomics.wait(ctl, 0, seen);
    seen = gen;
    if (Atomics.load(ctl, 48) === 1) return;
    for (let i = 0; i < per; i++) sem.blockingAcquire().dispose();
    Atomics.add(ctl, 16, 1);
    Atomics.notify(ctl, 16);
  }
}

let running: { key: string; crew: Crew; joins: Promise<unknown>[] } | undefined;

/**
 * The crew for `key`, started on first use (the warm-up, not measured): stops the
 * previous crew and awaits its tasks first, so that the package's scheduler sees its
 * workers idle and gives each new task a worker of its own.
 */
async function crewFor(
  key: string,
  parties: number,
  start: (ctl: Int32Array) => { join(): Promise<unknown> },
): Promise<Crew> {
  if (running?.key === key) return running.crew;
  await stopRunning();
  const crew = new Crew(parties);
  const joins: Promise<unknown>[] = [];
  for (let i = 0; i < parties; i++) joins.push(start(crew.ctl).join());
  running = { key, crew, joins };
  crew.waitReady();
  return crew;
}

async function stopRunning(): Promise<void> {
  const last = running;
  running = undefined;
  if (last === undefined) return;
  last.crew.stop();
  await Promise.all(last.joins);
}

for (const threads of COUNTER_THREADS) {
  const per = COUNTER_OPS / threads;
  const counted = new Mutex(new Int32Array(new SharedArrayBuffer(64)));
  let expected = 0;
  Deno.bench({
    name: benchName(`counter.t${threads}`, IMPL),
    group: `contended counter, ${threads} thread${
      threads === 1 ? "" : "s"
    } (time per batch of ${COUNTER_OPS} increments)`,
    async fn() {
      const crew = await crewFor(
        `counter.t${threads}`,
        threads,
        (ctl) => spawn(move(counted, { ctl, per }), counterTask),
      );
      crew.batch();
      expected += per * threads;
      const guard = counted.blockingLock();
      const total = guard.value[0];
      guard.dispose();
      if (total !== expected) throw new Error(`Lost increments: ${total} of ${expected}`);
    },
  });
}

const sem2 = new Semaphore(2);
Deno.bench({
  name: benchName("sem2x4", IMPL),
  group: `Semaphore(2), 4 threads (time per batch of ${SEM2X4_OPS} pairs)`,
  async fn() {
    const crew = await crewFor(
      "sem2x4",
      4,
      (ctl) => spawn(move(sem2, { ctl, per: SEM2X4_OPS / 4 }), semaphoreTask),
    );
    crew.batch();
  },
});

// The last bench: ends the last crew and the package's workers.
Deno.bench({
  name: "teardown (not a result)",
  group: "teardown",
  n: 1,
  warmup: 1,
  async fn() {
    await stopRunning();
  },
});

globalThis.addEventListener("unload", () => {
  running?.crew.stop();
  shutdown();
});
