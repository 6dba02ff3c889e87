#!/usr/bin/env python3
# Copyright the threading for Deno authors. MIT license.
"""CPython's side of bench/thread_cost.ts: start `n` threads that all wait on one Event.

Standard library only. Prints one JSON line with the same fields as thread_cost.ts:

    python3 bench/thread_cost.py --threads=100
    {"impl": "cpython", "threads": 100, "ms": ..., "msPerThread": ...,
     "mbPerThread": ..., "mbKept": ...}

- ms: from before the first Thread object is made until the last start() returned
  (start() returns once the thread runs).
- mbPerThread: RSS growth per thread with every thread alive (after 300 ms), in MB.
- mbKept: RSS growth per thread left after every thread was joined (after 500 ms).
"""

import json
import os
import sys
import threading
import time


def rss():
    """Resident set size of this process in bytes (Linux /proc)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def main():
    n = 100
    for arg in sys.argv[1:]:
        if arg.startswith("--threads="):
            n = int(arg.split("=", 1)[1])
    if n < 1:
        raise ValueError(f"threads must be a positive integer, received {n}")
    before = rss()
    event = threading.Event()
    t0 = time.perf_counter()
    threads = [threading.Thread(target=event.wait) for _ in range(n)]
    for t in threads:
        t.start()
    ms = (time.perf_counter() - t0) * 1e3
    time.sleep(0.3)
    alive = rss()
    event.set()
    for t in threads:
        t.join()
    time.sleep(0.5)
    kept = rss()
    print(json.dumps({
        "impl": "cpython",
        "threads": n,
        "ms": ms,
        "msPerThread": ms / n,
        "mbPerThread": (alive - before) / n / 1e6,
        "mbKept": (kept - before) / n / 1e6,
    }))


if __name__ == "__main__":
    main()
