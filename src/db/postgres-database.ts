// PostgreSQL over the wire with the `pg` driver: a real server, or the embedded database served on a local socket.
import pg from 'pg';
import type { Database, Queryable, QueryResult } from './database.ts';

export interface PostgresDatabaseOptions extends pg.PoolConfig {
  /** Called when an idle pooled connection fails (server restart, socket closed). */
  onIdleError?: (error: Error) => void;
  /** The server is PGlite over pglite-socket (Database.exclusiveTransactions); default false. */
  exclusiveTransactions?: boolean;
}

function toQueryable(client: pg.PoolClient): Queryable {
  return {
    async query<Row>(sql: string, parameters: readonly unknown[] = []): Promise<QueryResult<Row>> {
      const result = await client.query(sql, parameters as unknown[]);
      return { rows: result.rows as Row[], rowCount: result.rowCount ?? result.rows.length };
    },
    async executeScript(sql: string): Promise<void> {
      // Without parameters pg uses the simple protocol, which accepts several statements.
      await client.query(sql);
    },
  };
}

export function createPostgresDatabase(options: PostgresDatabaseOptions): Database {
  const { onIdleError, exclusiveTransactions, ...poolConfig } = options;
  const pool = new pg.Pool(poolConfig);
  pool.on('error', (error) => onIdleError?.(error));
  // pg's Pool never answers callers still waiting for a connection when it ends: they would wait
  // for ever (the embedded database's clients end their pool when its owner process dies). They
  // get a lost-connection error instead, which a failover retries on the reopened database.
  let failWaiters!: (error: Error) => void;
  const ended = new Promise<never>((_, reject) => (failWaiters = reject));
  ended.catch(() => undefined);

  /** Runs `use` on a pooled connection, destroying it rather than pooling it again if it broke. */
  async function withConnection<T>(use: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await Promise.race([pool.connect(), ended]);
    // A checked-out client that loses its connection emits 'error'; without a listener that
    // would crash the process. The pending query rejects on its own, so the listener only observes.
    let connectionError: Error | undefined;
    const observeError = (error: Error) => {
      connectionError = error;
      onIdleError?.(error);
    };
    client.on('error', observeError);
    try {
      return await use(client);
    } finally {
      client.off('error', observeError);
      client.release(connectionError);
    }
  }

  return {
    kind: 'postgres',
    exclusiveTransactions: exclusiveTransactions ?? false,
    query: (sql, parameters) => withConnection((client) => toQueryable(client).query(sql, parameters)),
    executeScript: (sql) => withConnection((client) => toQueryable(client).executeScript(sql)),
    transaction: (work, opening) =>
      withConnection(async (client) => {
        try {
          // Without parameters pg uses the simple protocol: BEGIN and the opening in one round trip.
          await client.query(opening ? `BEGIN; ${opening}` : 'BEGIN');
          const result = await work(toQueryable(client));
          await client.query('COMMIT');
          return result;
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        }
      }),
    close: () => {
      failWaiters(new Error('Connection terminated: the connection pool was closed'));
      return pool.end();
    },
  };
}
