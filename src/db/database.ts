// The one storage interface services see. Adapters: PGlite in-process, and pg over the wire.

export interface QueryResult<Row> {
  rows: Row[];
  rowCount: number;
}

export interface Queryable {
  /** Runs one parameterised statement. Never interpolate input into `sql`. */
  query<Row = Record<string, unknown>>(sql: string, parameters?: readonly unknown[]): Promise<QueryResult<Row>>;
  /** Runs a trusted multi-statement script (migrations only: never with input in it). */
  executeScript(sql: string): Promise<void>;
}

export interface Database extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /**
   * A transaction holds the whole database for every other client until it ends: PGlite, in
   * process or shared over pglite-socket. Writers then keep their transactions short.
   */
  readonly exclusiveTransactions: boolean;
  /**
   * Runs `work` in one transaction on one connection; commits on success, rolls back on error.
   * `opening`: trusted SQL without parameters run first, sent with BEGIN in one round trip where
   * the adapter can (a transaction's round trips hold the embedded database for every tenant).
   */
  transaction<T>(work: (transaction: Queryable) => Promise<T>, opening?: string): Promise<T>;
  close(): Promise<void>;
}
