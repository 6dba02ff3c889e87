// Copyright the threading for Deno authors. MIT license.
/**
 * Queues made in a loop that never yields (ut7's finding 7): the README's reply queue
 * per request runs past the old limit of about 15,000 requests, taking no memory
 * mapping per request, and shared memory that still cannot be had is a RangeError that
 * says what ran out and what to do.
 */
import assert from "node:assert/strict";
import { runDeno } from "./_subprocess.ts";

const fixtures = new URL("./fixtures/", import.meta.url);

Deno.test("a reply queue per request in a loop that never yields: 30,000 requests, no memory mapping per request", async () => {
  const n = 30_000;
  const { code, stdout, stderr } = await runDeno(
    ["run", "--no-lock", "-A", new URL("reply_queues.ts", fixtures).pathname, String(n)],
    { timeoutMs: 240_000, stdin: "null" },
  );
  assert.equal(code, 0, stderr);
  const r = JSON.parse(stdout.trim().split("\n").at(-1)!);
  assert.equal(r.served, n);
  // The old queues took four mappings each (120,000 here, past Linux's 65,530: the
  // process died at about 15,000 requests); a small queue takes none (the heap's own
  // growth takes a few hundred).
  assert.ok(r.maps1 - r.maps0 < n / 10, `mappings ${r.maps0} -> ${r.maps1}`);
  console.log(
    `  ${n} requests: RSS ${r.rss0} -> ${r.rss1} MB, mappings ${r.maps0} -> ${r.maps1}`,
  );
});

Deno.test("shared memory a queue cannot get is a RangeError that says what ran out and what to do", async () => {
  // Under a 64 GB address-space limit, queues of 1 GiB maxBytes run out after a few
  // dozen. The module is transpiled first, without the limit (that needs room too).
  const file = new URL("queue_alloc_fails.ts", fixtures).pathname;
  const cached = await runDeno(["cache", "--no-lock", file], { stdin: "null" });
  assert.equal(cached.code, 0, cached.stderr);
  const child = new Deno.Command("sh", {
    args: [
      "-c",
      'ulimit -v 64000000 && exec "$0" run --no-lock --allow-read "$1"',
      Deno.execPath(),
      file,
    ],
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
    env: { NO_COLOR: "1" },
  });
  const out = await child.output();
  const stdout = new TextDecoder().decode(out.stdout);
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, `exit ${out.code} ${out.signal}: ${stdout} ${stderr}`);
  const r = JSON.parse(stdout.trim().split("\n").at(-1)!);
  assert.ok(r.made > 0 && r.made < 100_000, stdout);
  assert.equal(r.name, "RangeError");
  assert.match(
    r.message,
    /^Cannot allocate the shared memory of a Queue: the process ran out of memory mappings or address space/,
  );
  assert.match(r.message, /vm\.max_map_count/);
  assert.match(
    r.message,
    /reuse them \(one reply queue per worker\), let the loop yield \(await q\.getAsync\(\)\), or create them with a smaller \{ maxBytes \}/,
  );
  assert.match(r.cause, /RangeError: Array buffer allocation failed/);
});
