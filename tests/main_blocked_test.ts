// Copyright the threading for Deno authors. MIT license.
// The main thread busy or blocked, in real subprocesses: its polling reads serve the
// starts that threads ask for (`_futex.ts` `servePending`); a loop that calls nothing of
// the library gets the warning that names the fixes; a main thread blocked while its own
// server is open is told why the server does not answer (`_main_servers.ts`).
import assert from "node:assert/strict";
import { runDeno } from "./_subprocess.ts";

const fixtures = new URL("./fixtures/", import.meta.url);

Deno.test("a polling loop on the main thread (isAlive, activeCount, isSet, locked, acquire(false), qsize, a shared cell, ...) serves a start asked by a thread", async () => {
  const r = await runDeno(
    ["run", "--no-lock", "--allow-read", new URL("main_polls.ts", fixtures).pathname],
    { timeoutMs: 120_000, stdin: "null" },
  );
  const text = `${r.stdout}\n${r.stderr}`;
  // Before: "RuntimeWarning: starting thread "child (Thread.isAlive)" has waited 5 s ...",
  // then the parent's start failed after its deadline (10 s here, 60 s by default):
  // "Thread.isAlive: FAILED", exit code 1. CPython serves such a start in 41 ms.
  assert.ok(r.success, text);
  assert.doesNotMatch(r.stderr, /RuntimeWarning|Cannot start/, text);
  const modes = r.stdout.split("\n").filter((line) => / ok \(\d+ ms\)$/.test(line));
  assert.equal(modes.length, 22, text);
});

Deno.test("a main thread busy outside the library: the start warns after 5 s, naming the fixes, and runs once main waits", async () => {
  const r = await runDeno(
    ["run", "--no-lock", "--allow-read", new URL("main_busy.ts", fixtures).pathname],
    { timeoutMs: 120_000, stdin: "null" },
  );
  const text = `${r.stdout}\n${r.stderr}`;
  assert.ok(r.success, text);
  assert.equal(r.stdout, "child ran\nmain done\n", text);
  assert.match(
    r.stderr,
    /RuntimeWarning: starting thread "child" has waited 5 s for the main thread, which has not served the start: .* or in a loop that never waits and calls nothing of this library .*in a busy loop, wait a little \(t\.join\(timeout\), sleep\(ms\), e\.wait\(timeout\)\), poll with this library's reads \(while \(t\.isAlive\(\)\) \.\.\.\), or wait on an Event instead\. The start fails after 60 s\./,
    text,
  );
  assert.equal(r.stderr.match(/RuntimeWarning/g)?.length, 1, text);
});

const serverFixture = new URL("main_server_blocked.ts", fixtures).pathname;

Deno.test("a main thread blocked in join() while its own server is open and threads fetch from it: one warning names the call and the fixes", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-lock",
      "--allow-read",
      "--allow-net=127.0.0.1",
      serverFixture,
      "join",
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const killer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  const stdout = new Response(child.stdout).text();
  const t0 = performance.now();
  let stderr = "";
  let warnedAfter = 0;
  for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
    stderr += chunk;
    if (warnedAfter === 0 && stderr.includes("RuntimeWarning") && stderr.endsWith("\n")) {
      warnedAfter = performance.now() - t0;
      child.kill("SIGKILL"); // the program hangs, as it must: the warning says why
    }
  }
  await child.status;
  clearTimeout(killer);
  const text = `${await stdout}\n${stderr}`;
  // Before: no output at all, killed after 60 s (a silent hang).
  assert.ok(warnedAfter > 0, `no warning\n${text}`);
  assert.ok(warnedAfter < 40_000, `${warnedAfter} ms\n${text}`);
  assert.match(
    stderr,
    /^RuntimeWarning: the main thread has been blocked for 5 s, now in Thread\.join\(\) on "Thread-1 \(download\)" with no timeout, while its server on 127\.0\.0\.1:\d+ is open: a server of the main thread answers only when the main thread's event loop turns, and a blocked main thread turns none, so a thread that fetches from it waits forever\. On the main thread use the async twins \(await t\.joinAsync\(\)\), or run the server in a thread\.\n$/,
    text,
  );
});

Deno.test("no server warning when the main thread awaits joinAsync(), or when its servers and listeners are closed before it blocks", async () => {
  for (const mode of ["joinAsync", "closed"]) {
    const r = await runDeno(
      ["run", "--no-lock", "--allow-read", "--allow-net=127.0.0.1", serverFixture, mode],
      { timeoutMs: 60_000, stdin: "null" },
    );
    const text = `${mode}\n${r.stdout}\n${r.stderr}`;
    assert.ok(r.success, text);
    assert.equal(r.stderr, "", text);
    assert.match(r.stdout, /main done\n$/, text);
    if (mode === "joinAsync") {
      assert.match(r.stdout, /^\/[01] 200 100\n\/[01] 200 100\n/, text);
    }
  }
});
