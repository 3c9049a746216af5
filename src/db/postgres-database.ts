// PostgreSQL over the wire with the `pg` driver: a real server, or the embedded database served on a local socket.
import pg from 'pg';
import type { Database, Queryable, QueryResult } from './database.ts';

export interface PostgresDatabaseOptions extends pg.PoolConfig {
  /** Called when an idle pooled connection fails (server restart, socket closed). */
  onIdleError?: (error: Error) => void;
}

function toQueryable(client: pg.Pool | pg.PoolClient): Queryable {
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
  const { onIdleError, ...poolConfig } = options;
  const pool = new pg.Pool(poolConfig);
  pool.on('error', (error) => onIdleError?.(error));
  const direct = toQueryable(pool);
  return {
    kind: 'postgres',
    query: direct.query,
    executeScript: direct.executeScript,
    async transaction(work) {
      const client = await pool.connect();
      // A checked-out client that loses its connection emits 'error'; without a listener that
      // would crash the process. The pending query rejects on its own, so the listener only observes.
      let connectionError: Error | undefined;
      const observeError = (error: Error) => {
        connectionError = error;
        onIdleError?.(error);
      };
      client.on('error', observeError);
      try {
        await client.query('BEGIN');
        const result = await work(toQueryable(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.off('error', observeError);
        // Passing the error destroys a broken connection instead of pooling it again.
        client.release(connectionError);
      }
    },
    close: () => pool.end(),
  };
}
