// A Database that notes every statement sent through it (in transactions too), so a test can say
// which queries a piece of work made: "the key check made none".
import type { Database, Queryable } from '../../src/db/database.ts';

export interface RecordingDatabase extends Database {
  /** Every statement since the last clear(), in order. */
  readonly statements: string[];
  clear(): void;
}

export function recordStatements(database: Database): RecordingDatabase {
  const statements: string[] = [];
  const recording = (queryable: Queryable): Queryable => ({
    query: (sql, parameters) => {
      statements.push(sql);
      return queryable.query(sql, parameters);
    },
    executeScript: (sql) => {
      statements.push(sql);
      return queryable.executeScript(sql);
    },
  });
  return {
    ...recording(database),
    kind: database.kind,
    exclusiveTransactions: database.exclusiveTransactions,
    statements,
    clear: () => statements.splice(0),
    transaction: (work, opening) => database.transaction((transaction) => work(recording(transaction)), opening),
    close: () => database.close(),
  };
}
