// PGlite with some of its methods replaced, as the embedded database's socket server is given it
// (pglite-message-sequences.ts, pglite-panic-guard.ts).
import type { PGlite } from '@electric-sql/pglite';

/** `instance` answering with `overrides` where given; every other method runs on the instance itself. */
export function overridePglite(instance: PGlite, overrides: Partial<PGlite>): PGlite {
  return new Proxy(instance, {
    get(target, property) {
      if (property in overrides) return overrides[property as keyof PGlite];
      const value: unknown = Reflect.get(target, property, target);
      // PGlite keeps its state in private fields, which a proxy cannot reach: methods run on the instance.
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
