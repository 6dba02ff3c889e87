#!/usr/bin/env python3
# Copyright the threading for Deno authors. MIT license.
"""The benchmark workloads of bench/*_bench.ts, run on CPython's `threading`.

Standard library only. Each workload runs a batch of operations (the same batch
sizes as bench/_workloads.ts) a number of times after a warm-up batch, and reports the
mean time of one operation in the workload's unit. Multi-thread workloads start their
threads once, outside the measured part, and run each batch between two barriers.

    python3 bench/cpython_bench.py            # a table
    python3 bench/cpython_bench.py --json     # JSON: {"python": ..., "results": {key: {...}}}
    python3 bench/cpython_bench.py --quick    # fewer repeats (for a smoke run)
"""

import gc
import json
import os
import platform
import sys
import threading
import time

# Keep in step with bench/_workloads.ts.
UNCONTENDED_OPS = 1000
CREATE_OPS = 100
COUNTER_OPS = 20_000
SEM2X4_OPS = 8_000
PINGPONG_ROUNDS = 200
BARRIER_CYCLES = 200
COUNTER_THREADS = (1, 2, 4, 8)

UNIT_NS = {"ns": 1.0, "µs": 1e3}

now = time.perf_counter_ns


def measure(batch, ops, unit, repeats, min_total_ns=200_000_000):
    """Runs `batch()` (returning elapsed ns) after one warm-up, `repeats` times or
    until `min_total_ns` have passed; returns the mean per operation in `unit`."""
    batch()
    times = []
    total = 0
    while len(times) < repeats or total < min_total_ns:
        t = batch()
        times.append(t)
        total += t
        if len(times) >= repeats * 50:
            break
    mean = sum(times) / len(times)
    return {"value": mean / ops / UNIT_NS[unit], "unit": unit, "n": len(times),
            "min": min(times) / ops / UNIT_NS[unit]}


class Crew:
    """Threads started once; each batch releases them through a barrier and waits for
    them at a second one (the same shape as bench/_crew.ts)."""

    def __init__(self, parties, work):
        self.parties = parties
        self.go = threading.Barrier(parties + 1)
        self.done = threading.Barrier(parties + 1)
        self.stopping = False
        self.threads = [threading.Thread(target=self._loop, args=(work, i), daemon=True)
                        for i in range(parties)]
        for t in self.threads:
            t.start()

    def _loop(self, work, index):
        while True:
            self.go.wait()
            if self.stopping:
                return
            work(index)
            self.done.wait()

    def batch(self):
        t0 = now()
        self.go.wait()
        self.done.wait()
        return now() - t0

    def stop(self):
        self.stopping = True
        self.go.wait()
        for t in self.threads:
            t.join()


def uncontended(make_pair):
    acquire, release = make_pair()

    def batch():
        t0 = now()
        for _ in range(UNCONTENDED_OPS):
            acquire()
            release()
        return now() - t0
    return batch


def bench_uncontended(results, repeats):
    for key, factory in (("lock.pair", threading.Lock),
                         ("rlock.pair", threading.RLock),
                         ("sem1.pair", lambda: threading.Semaphore(1)),
                         ("bsem1.pair", lambda: threading.BoundedSemaphore(1))):
        obj = factory()
        results[key] = measure(uncontended(lambda: (obj.acquire, obj.release)),
                               UNCONTENDED_OPS, "ns", repeats)


def bench_counter(results, repeats):
    for t in COUNTER_THREADS:
        lock = threading.Lock()
        counter = [0]
        per = COUNTER_OPS // t

        def work(_index, lock=lock, counter=counter, per=per):
            for _ in range(per):
                lock.acquire()
                counter[0] += 1
                lock.release()
        crew = Crew(t, work)
        try:
            results[f"counter.t{t}"] = measure(crew.batch, per * t, "ns", repeats)
        finally:
            crew.stop()
        assert counter[0] % (per * t) == 0, "lost increments"


def bench_sem2x4(results, repeats):
    sem = threading.Semaphore(2)
    per = SEM2X4_OPS // 4

    def work(_index):
        for _ in range(per):
            sem.acquire()
            sem.release()
    crew = Crew(4, work)
    try:
        results["sem2x4"] = measure(crew.batch, per * 4, "ns", repeats)
    finally:
        crew.stop()


def bench_event(results, repeats):
    ping, pong = threading.Event(), threading.Event()

    def work(index):
        if index == 0:
            for _ in range(PINGPONG_ROUNDS):
                ping.set()
                pong.wait()
                pong.clear()
        else:
            for _ in range(PINGPONG_ROUNDS):
                ping.wait()
                ping.clear()
                pong.set()
    crew = Crew(2, work)
    try:
        results["event.pingpong"] = measure(crew.batch, PINGPONG_ROUNDS, "µs", repeats)
    finally:
        crew.stop()

    # The main thread against one thread (the same round trip, one side on the main
    # thread, as bench/sync_bench.ts measures it).
    stop = [False]

    def answer():
        while True:
            ping.wait()
            ping.clear()
            if stop[0]:
                return
            pong.set()
    t = threading.Thread(target=answer, daemon=True)
    t.start()

    def batch():
        t0 = now()
        for _ in range(PINGPONG_ROUNDS):
            ping.set()
            pong.wait()
            pong.clear()
        return now() - t0
    try:
        results["event.pingpong.main"] = measure(batch, PINGPONG_ROUNDS, "µs", repeats)
    finally:
        stop[0] = True
        ping.set()
        t.join()


def bench_condition(results, repeats):
    cond = threading.Condition()
    turn = [0]

    def work(index):
        mine, theirs = (0, 1) if index == 0 else (1, 0)
        for _ in range(PINGPONG_ROUNDS):
            with cond:
                while turn[0] != mine:
                    cond.wait()
                turn[0] = theirs
                cond.notify()
    crew = Crew(2, work)
    try:
        results["condition.pingpong"] = measure(crew.batch, PINGPONG_ROUNDS, "µs", repeats)
    finally:
        crew.stop()


def bench_barrier(results, repeats):
    for parties in (2, 4):
        barrier = threading.Barrier(parties)

        def work(_index, barrier=barrier):
            for _ in range(BARRIER_CYCLES):
                barrier.wait()
        crew = Crew(parties, work)
        try:
            results[f"barrier{parties}.cycle"] = measure(crew.batch, BARRIER_CYCLES, "µs",
                                                         repeats)
        finally:
            crew.stop()


def bench_create(results, repeats):
    factories = {
        "lock": threading.Lock,
        "rlock": threading.RLock,
        "semaphore": threading.Semaphore,
        "boundedsemaphore": threading.BoundedSemaphore,
        "event": threading.Event,
        "condition": threading.Condition,
        "barrier": lambda: threading.Barrier(2),
    }
    for key, factory in factories.items():
        sink = [None] * CREATE_OPS

        def batch(factory=factory, sink=sink):
            t0 = now()
            for i in range(CREATE_OPS):
                sink[i] = factory()
            return now() - t0
        results[f"create.{key}"] = measure(batch, CREATE_OPS, "ns", repeats)


def _noop():
    pass


def bench_thread(results, repeats):
    started = []

    def start_only():
        t = threading.Thread(target=_noop)
        t0 = now()
        t.start()  # returns once the thread runs, as Thread.start() in this library
        elapsed = now() - t0
        started.append(t)
        return elapsed

    def start_join():
        t = threading.Thread(target=_noop)
        t0 = now()
        t.start()
        t.join()
        return now() - t0

    # CPython has no pool: every start makes an OS thread, so cold and warm are the same.
    results["thread.start.warm"] = measure(start_only, 1, "µs", max(repeats * 20, 200),
                                           min_total_ns=0)
    for t in started:
        t.join()
    results["thread.startjoin.warm"] = measure(start_join, 1, "µs", max(repeats * 20, 200),
                                               min_total_ns=0)
    results["thread.start.cold"] = dict(results["thread.start.warm"])
    results["thread.startjoin.cold"] = dict(results["thread.startjoin.warm"])


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def bench_memory(results, count=32):
    gc.collect()
    before = rss_bytes()
    release = threading.Event()
    threads = [threading.Thread(target=release.wait) for _ in range(count)]
    for t in threads:
        t.start()
    time.sleep(0.05)
    alive = rss_bytes()
    release.set()
    for t in threads:
        t.join()
    results["thread.mem.alive"] = {"value": (alive - before) / count / 1e6, "unit": "MB",
                                   "n": count}


def run(repeats):
    results = {}
    bench_uncontended(results, repeats)
    bench_create(results, repeats)
    bench_counter(results, repeats)
    bench_sem2x4(results, repeats)
    bench_event(results, repeats)
    bench_condition(results, repeats)
    bench_barrier(results, repeats)
    bench_thread(results, repeats)
    bench_memory(results)
    return results


def machine():
    """What the machine is (read here, where /proc needs no permission)."""
    info = {"kernel": platform.system() + " " + platform.release(), "cores": os.cpu_count(),
            "loadavg": round(os.getloadavg()[0], 2)}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    info["memory_gib"] = round(int(line.split()[1]) / 1024 / 1024)
                    break
    except OSError:
        pass
    return info


def main(argv):
    repeats = 3 if "--quick" in argv else 10
    results = run(repeats)
    if "--json" in argv:
        json.dump({
            "python": platform.python_implementation() + " " + platform.python_version(),
            "machine": machine(),
            "switchinterval_s": sys.getswitchinterval(),
            "results": results,
        }, sys.stdout, indent=2, ensure_ascii=False)
        print()
        return
    print(f"{platform.python_implementation()} {platform.python_version()}")
    for key, r in results.items():
        print(f"{key:24} {r['value']:12.3f} {r['unit']}")


if __name__ == "__main__":
    main(sys.argv[1:])
