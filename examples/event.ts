// Copyright the threading for Deno authors. MIT license.
/**
 * threading_event: threads wait for an Event, with and without a timeout (milliseconds),
 * until the main thread sets it.
 *
 * Run with `deno task example:event`.
 *
 * @module
 */
import { Event, logging, sleep, Thread } from "../mod.ts";

/** Wait for the event to be set before doing anything */
export function waitForEvent(e: Event): void {
  logging.debug("wait_for_event starting");
  const eventIsSet = e.wait();
  logging.debug("event set: %s", eventIsSet);
}

/** Wait t milliseconds and then timeout */
export function waitForEventTimeout(e: Event, t: number): void {
  while (!e.isSet()) {
    logging.debug("wait_for_event_timeout starting");
    const eventIsSet = e.wait(t);
    logging.debug("event set: %s", eventIsSet);
    if (eventIsSet) {
      logging.debug("processing event");
    } else {
      logging.debug("doing other work");
    }
  }
}

if (import.meta.main) {
  logging.basicConfig({
    level: logging.DEBUG,
    format: "(%(threadName)-10s) %(message)s",
  });

  const e = new Event();
  const t1 = new Thread({
    name: "block",
    target: waitForEvent,
    args: [e],
  });
  t1.start();

  const t2 = new Thread({
    name: "nonblock",
    target: waitForEventTimeout,
    args: [e, 2000],
  });
  t2.start();

  logging.debug("Waiting before calling Event.set()");
  sleep(300);
  e.set();
  logging.debug("Event is set");
}
