// Copyright the threading for Deno authors. MIT license.
/**
 * Handling an exception outside of the thread that raised it (the notebook seed's
 * ExcThread): the thread catches its error and puts it in a `Queue`, which the main
 * thread polls while it joins the thread.
 *
 * Python puts `sys.exc_info()` (type, value, traceback) in a `queue.Queue`; here the
 * Error itself goes through the queue (its name, message and stack travel with it), and
 * `get(false)` is the non-blocking `get(block=False)`. The bucket is read after each
 * `join(100)`, so that an error put just before the thread ended is not missed.
 *
 * Run with `deno task example:exc_thread`.
 *
 * @module
 */
import { Queue, QueueEmpty, Thread } from "../mod.ts";

/** A thread that reports its error through a bucket instead of dying with it. */
export class ExcThread extends Thread {
  /** Where the error goes. */
  bucket: Queue<Error>;

  /** @param bucket Where the error goes. */
  constructor(bucket: Queue<Error>) {
    super();
    this.bucket = bucket;
  }

  /** Fails, and puts the error in the bucket. */
  override run(): void {
    try {
      throw new Error("An error occured here.");
    } catch (error) {
      this.bucket.put(error as Error);
    }
  }
}

/** Starts the thread and deals with its error. */
export function main(): void {
  const bucket = new Queue<Error>();
  const threadObj = new ExcThread(bucket);
  threadObj.start();

  while (true) {
    threadObj.join(100);

    try {
      const exc = bucket.get(false);
      // deal with the exception
      console.log(exc.name);
      console.log(exc.message);
      console.log(exc.stack);
    } catch (error) {
      if (!(error instanceof QueueEmpty)) throw error;
    }

    if (threadObj.isAlive()) {
      continue;
    } else {
      break;
    }
  }
}

if (import.meta.main) {
  main();
}
