// Copyright the threading for Deno authors. MIT license.
/**
 * The project's config: what a user who runs an example fetches. Deno installs every npm
 * package of the project's lockfile on the first `deno run` of any file under it (a
 * fresh `DENO_DIR` shows a `Download` of each), so the lockfile must pin only what the
 * library imports: a benchmark peer lives in `bench/peers/`, with its own config and
 * lockfile.
 *
 * @module
 */
import assert from "node:assert/strict";

const root = new URL("../", import.meta.url);

async function readJSON(path: string): Promise<Record<string, unknown>> {
  return JSON.parse(await Deno.readTextFile(new URL(path, root)));
}

/** The `npm:` specifiers written in the library's sources and the project's imports. */
async function libraryNpmSpecifiers(): Promise<Set<string>> {
  const found = new Set<string>();
  for await (const entry of Deno.readDir(new URL("src/", root))) {
    if (!entry.isFile || !entry.name.endsWith(".ts")) continue;
    const text = await Deno.readTextFile(new URL(`src/${entry.name}`, root));
    for (const m of text.matchAll(/"(npm:[^"]+)"/g)) found.add(m[1]);
  }
  const config = await readJSON("deno.json");
  for (const value of Object.values(config.imports as Record<string, string>)) {
    if (value.startsWith("npm:")) found.add(value);
  }
  return found;
}

Deno.test("the project's lockfile pins only npm packages that the library imports", async () => {
  const lock = await readJSON("deno.lock");
  const library = await libraryNpmSpecifiers();
  const pinned = Object.keys(lock.specifiers as Record<string, string>)
    .filter((s) => s.startsWith("npm:"));
  const foreign = pinned.filter((s) => !library.has(s));
  assert.deepEqual(
    foreign,
    [],
    `deno.lock pins ${
      foreign.join(", ")
    }, which the library does not import: every \`deno run\` of an example would download it`,
  );
  // And its npm section holds nothing else (a package pinned by a peer's import).
  const names = Object.keys(lock.npm as Record<string, unknown>).map((key) =>
    key.slice(0, key.lastIndexOf("@"))
  );
  for (const name of names) {
    assert(
      [...library].some((s) => s.startsWith(`npm:${name}@`)),
      `deno.lock's npm section holds ${name}, which the library does not import`,
    );
  }
});

Deno.test("the benchmark peer has its own config and lockfile, excluded from the project's", async () => {
  const config = await readJSON("deno.json");
  assert((config.exclude as string[]).includes("bench/peers/"));
  const peer = await readJSON("bench/peers/deno.json");
  assert(
    Object.values(peer.imports as Record<string, string>).some((s) =>
      s.startsWith("npm:multithreading@")
    ),
  );
  const peerLock = await readJSON("bench/peers/deno.lock");
  assert(
    Object.keys(peerLock.specifiers as object).some((s) =>
      s.startsWith("npm:multithreading@")
    ),
  );
});
