// Faults injected at the database boundary, and the client error a failed call ends in.
import { expect } from 'vitest';
import type { Database, Queryable } from '../../src/db/database.ts';
import { RagspaceError } from '../../src/errors.ts';

/** The database, with every statement inside a transaction for which `fails(sql)` is true rejected as a full disk. */
export function failingStatements(database: Database, fails: (sql: string) => boolean): Database {
  const faulty = (queryable: Queryable): Queryable => ({
    ...queryable,
    query: (sql, parameters) => (fails(sql) ? Promise.reject(new Error('disk full (injected)')) : queryable.query(sql, parameters)),
  });
  return { ...database, transaction: (work, opening) => database.transaction((transaction) => work(faulty(transaction)), opening) };
}

/** The RagspaceError `promise` rejects with (failing the test if it resolves or rejects otherwise). */
export async function errorOf(promise: Promise<unknown>): Promise<RagspaceError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(RagspaceError);
  return error as RagspaceError;
}
