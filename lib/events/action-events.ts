import { EventEmitter } from "node:events";

/**
 * Wakes long-polls when an action changes. In-process here; on Postgres the
 * same calls also travel over LISTEN/NOTIFY (lib/events/pg-notify.ts) so a
 * decision on one instance wakes waiters on every instance.
 */
const globalForEvents = globalThis as unknown as {
  gatehouseActionEvents?: EventEmitter;
  gatehouseRemoteNotify?: (actionId: string) => void;
  gatehouseWatchHooks?: WatchHooks;
};

/**
 * Told when an action gets its first local waiter and loses its last one: the cross-instance
 * transport re-reads a watched action as soon as its change arrives, off the main thread
 * (lib/events/pg-notify.ts), and hands the waiters the row with the wake-up.
 */
export type WatchHooks = { watch(actionId: string): void; unwatch(actionId: string): void };

/** What a wake-up may carry: the action as read after the change (the transport's re-read), opaque here. */
export type ActionWake = { changed: boolean; prefetched?: unknown };

function bus(): EventEmitter {
  if (!globalForEvents.gatehouseActionEvents) {
    const e = new EventEmitter();
    e.setMaxListeners(0);
    globalForEvents.gatehouseActionEvents = e;
  }
  return globalForEvents.gatehouseActionEvents;
}

/** Call after the transaction that changed the action has committed. */
export function notifyActionChanged(actionId: string): void {
  bus().emit(actionId);
  globalForEvents.gatehouseRemoteNotify?.(actionId);
}

/** Deliver a change that arrived from another instance, with the action re-read after it when the transport has it. */
export function deliverRemoteActionChange(actionId: string, prefetched?: unknown): void {
  bus().emit(actionId, prefetched);
}

/**
 * Wake every local waiter once (they re-read their action). The cross-instance
 * transport calls this after a reconnect, since notifications sent while it was
 * disconnected are lost.
 */
export function wakeAllWaiters(): void {
  const b = bus();
  for (const name of b.eventNames()) b.emit(name);
}

/** Set by the cross-instance transport, if any. */
export function setRemoteNotifier(fn: ((actionId: string) => void) | undefined): void {
  globalForEvents.gatehouseRemoteNotify = fn;
}

/** Set by the cross-instance transport, if any. */
export function setWatchHooks(hooks: WatchHooks | undefined): void {
  globalForEvents.gatehouseWatchHooks = hooks;
}

/** The actions that have local waiters now. */
export function watchedActionIds(): string[] {
  return bus()
    .eventNames()
    .filter((n): n is string => typeof n === "string");
}

/** Resolve true when the action changes, false at timeout or abort. */
export async function waitForActionChange(actionId: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
  return (await waitForActionWake(actionId, timeoutMs, signal)).changed;
}

/** As waitForActionChange, with the row the wake-up carried (a remote change's re-read), if any. */
export function waitForActionWake(actionId: string, timeoutMs: number, signal?: AbortSignal): Promise<ActionWake> {
  return new Promise((resolve) => {
    const b = bus();
    const finish = (wake: ActionWake) => {
      clearTimeout(timer);
      b.off(actionId, onChange);
      signal?.removeEventListener("abort", onAbort);
      if (b.listenerCount(actionId) === 0) globalForEvents.gatehouseWatchHooks?.unwatch(actionId);
      resolve(wake);
    };
    const onChange = (prefetched?: unknown) => finish(prefetched === undefined ? { changed: true } : { changed: true, prefetched });
    const onAbort = () => finish({ changed: false });
    const timer = setTimeout(() => finish({ changed: false }), timeoutMs);
    const first = b.listenerCount(actionId) === 0;
    b.on(actionId, onChange);
    if (first) globalForEvents.gatehouseWatchHooks?.watch(actionId);
    signal?.addEventListener("abort", onAbort);
  });
}

/** Number of waiters, for metrics. */
export function waiterCount(): number {
  const b = bus();
  return b.eventNames().reduce((n, name) => n + b.listenerCount(name), 0);
}
