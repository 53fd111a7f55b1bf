/**
 * A promise started now and awaited later (a read-ahead, a prefetch): its rejection is handled from the moment it
 * exists, so that a failure while nobody awaits it yet is not an unhandled rejection. Whoever awaits it later still
 * gets the rejection: the same promise is returned, with a handler that does nothing attached.
 */
export function awaitedLater<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}
