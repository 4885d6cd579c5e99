import { EventEmitter } from "node:events";

/**
 * Wakes long-polls when an action changes. In-process here; on Postgres the
 * same calls also travel over LISTEN/NOTIFY (lib/events/pg-notify.ts) so a
 * decision on one instance wakes waiters on every instance.
 */
const globalForEvents = globalThis as unknown as {
  gatehouseActionEvents?: EventEmitter;
  gatehouseRemoteNotify?: (actionId: string) => void;
};

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

/** Deliver a change that arrived from another instance. */
export function deliverRemoteActionChange(actionId: string): void {
  bus().emit(actionId);
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

/** Resolve true when the action changes, false at timeout or abort. */
export function waitForActionChange(actionId: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const b = bus();
    const finish = (changed: boolean) => {
      clearTimeout(timer);
      b.off(actionId, onChange);
      signal?.removeEventListener("abort", onAbort);
      resolve(changed);
    };
    const onChange = () => finish(true);
    const onAbort = () => finish(false);
    const timer = setTimeout(() => finish(false), timeoutMs);
    b.on(actionId, onChange);
    signal?.addEventListener("abort", onAbort);
  });
}

/** Number of waiters, for metrics. */
export function waiterCount(): number {
  const b = bus();
  return b.eventNames().reduce((n, name) => n + b.listenerCount(name), 0);
}
