/**
 * Returns a function that, on its first call, makes one object with `make` and keeps it for the life of the process
 * (made then, not at import: code that never calls it does not pay). V8 discards optimized code once the hidden
 * classes it was specialised for have died, as they do in a full GC while no instance is alive: after an idle pause
 * (V8's memory reducer, e.g. between Lambda invocations) or between inputs. An idle instance keeps those classes alive.
 */
export function keepOneAlive(make: () => unknown): () => void {
  let kept: unknown = null;
  return () => {
    if (kept !== null) return;
    kept = 'starting'; // `make` builds an instance whose constructor calls back here
    kept = make();
  };
}
