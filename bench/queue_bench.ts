// Copyright the threading for Deno authors. MIT license.
/**
 * `queue` benchmarks: a put+get pair in one thread (JSON items, items on the codec's
 * road: a plain object with an `undefined` field, a `Map`, an object holding a `Lock`;
 * each class), and a put→get→put→get ping-pong between two threads; with CPython 3's
 * `queue.Queue` measured in the same run (printed before the table, when `python3` is
 * on PATH).
 *
 *     deno bench --allow-read --allow-run --allow-env bench/queue_bench.ts
 *
 * @module
 */
import { currentThread, Lock, mainThread, Thread } from "../mod.ts";
import { LifoQueue, PriorityQueue, Queue, SimpleQueue } from "../src/queue.ts";

/** Thread target: echoes every item of `a` into `b` until `null`. */
export function echo(a: Queue, b: Queue) {
  for (;;) {
    const item = a.get();
    b.put(item);
    if (item === null) return;
  }
}

// `import.meta.main` is false under `deno bench`: tell the main thread by its Thread.
const onMain = currentThread() === mainThread();

const PYTHON = `
import queue, threading, time
def per_op(fn, n):
    fn(n // 10)
    t = time.perf_counter_ns(); fn(n); return (time.perf_counter_ns() - t) / n / 1000
q = queue.Queue()
def pair(n):
    for _ in range(n):
        q.put({"id": 1, "name": "item"}); q.get()
a, b = queue.Queue(), queue.Queue()
def echo():
    while True:
        x = a.get(); b.put(x)
        if x is None: return
t = threading.Thread(target=echo); t.start()
def pingpong(n):
    for _ in range(n):
        a.put(1); b.get()
r1 = per_op(pair, 200000); r2 = per_op(pingpong, 20000)
a.put(None); t.join()
print(f"{r1:.3f} {r2:.3f}")
`;

if (onMain) {
  try {
    const { stdout, success } = await new Deno.Command("python3", {
      args: ["-c", PYTHON],
      stdout: "piped",
      stderr: "null",
    }).output();
    const [pair, pingpong] = new TextDecoder().decode(stdout).trim().split(" ");
    console.log(
      success
        ? `CPython queue.Queue: put+get pair ${pair} µs; 2-thread ping-pong ${pingpong} µs per round trip`
        : "CPython: python3 failed",
    );
  } catch (error) {
    console.log(
      error instanceof Deno.errors.NotCapable
        ? "CPython: not measured (run with --allow-run=python3)"
        : "CPython: python3 not found",
    );
  }
}

const item = { id: 1, name: "item" };
const v8Item = new Map([["id", 1]]);

const fifo = new Queue();
Deno.bench({
  group: "put+get, one thread",
  name: "Queue (JSON item)",
  baseline: true,
  fn() {
    fifo.put(item);
    fifo.get();
  },
});
Deno.bench({
  group: "put+get, one thread",
  name: "Queue (number)",
  fn() {
    fifo.put(1);
    fifo.get();
  },
});
Deno.bench({
  group: "put+get, one thread",
  name: "Queue (v8 item: Map)",
  fn() {
    fifo.put(v8Item);
    fifo.get();
  },
});
// Issue 14: a plain object that is not JSON data (an undefined field: the codec's
// road) and an object holding a Lock (its slab travels through Deno's store).
const plainItem = { id: 1, name: "item", note: undefined };
Deno.bench({
  group: "put+get, one thread",
  name: "Queue (plain object, codec road)",
  fn() {
    fifo.put(plainItem);
    fifo.get();
  },
});
const lockItem = { id: 1, lock: new Lock() };
Deno.bench({
  group: "put+get, one thread",
  name: "Queue (object holding a Lock)",
  fn() {
    fifo.put(lockItem);
    fifo.get();
  },
});
const simple = new SimpleQueue();
Deno.bench({
  group: "put+get, one thread",
  name: "SimpleQueue (JSON item)",
  fn() {
    simple.put(item);
    simple.get();
  },
});
const lifo = new LifoQueue();
Deno.bench({
  group: "put+get, one thread",
  name: "LifoQueue (JSON item)",
  fn() {
    lifo.put(item);
    lifo.get();
  },
});
const prio = new PriorityQueue<[number, string]>();
for (let i = 0; i < 100; i++) prio.put([i, "resident"]);
Deno.bench({
  group: "put+get, one thread",
  name: "PriorityQueue of 100 ([n, s] item)",
  fn() {
    prio.put([50, "x"]);
    prio.get();
  },
});
Deno.bench({
  group: "put+get, one thread",
  name: "async twins: putAsync + getAsync",
  async fn() {
    await fifo.putAsync(item);
    await fifo.getAsync();
  },
});

// Ping-pong: a daemon thread echoes `a` into `b` (it dies with the process).
const a = new Queue();
const b = new Queue();
if (onMain) {
  new Thread({ target: echo, args: [a, b], daemon: true }).start();
  a.put(0);
  b.get(); // the echo thread is up
}
Deno.bench({
  group: "ping-pong, two threads",
  name: "Queue put → thread get+put → get",
  baseline: true,
  fn() {
    a.put(1);
    b.get();
  },
});
Deno.bench({
  group: "ping-pong, two threads",
  name: "Queue, main side async (putAsync/getAsync)",
  async fn() {
    await a.putAsync(1);
    await b.getAsync();
  },
});
