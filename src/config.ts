// Reads the environment once, validates it, and fails with a message that names the variable.
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

const positiveInteger = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const flag = z.enum(['true', 'false'], { message: 'must be true or false' }).default('false').transform((value) => value === 'true');

/** Whose X-Forwarded-For to believe: nobody (the socket's address), everybody, the nearest N hops, or these addresses/CIDRs. */
export type TrustProxy = boolean | string[] | ((address: string, hop: number) => boolean);

const trustProxy = optionalString.transform((value): TrustProxy => {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    return (_address, hop) => hop < hops;
  }
  return value.split(',').map((item) => item.trim()).filter(Boolean);
});

const environmentSchema = z.object({
  DATABASE_URL: optionalString.pipe(z.url({ message: 'must be a postgres:// URL' }).optional()),
  RAGSPACE_DATA_DIR: z.string().default('./.ragspace'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  RAGSPACE_KEY_PEPPER: optionalString.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
  RAGSPACE_ADMIN_KEY: optionalString.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
  RAGSPACE_CORS_ORIGINS: optionalString,
  RAGSPACE_BODY_LIMIT_BYTES: positiveInteger(10 * 1024 * 1024),
  RAGSPACE_TRUST_PROXY: trustProxy,
  REDIS_URL: optionalString.pipe(z.url({ protocol: /^rediss?$/, message: 'must be a redis:// or rediss:// URL' }).optional()),
  RAGSPACE_AUTH_FAILURES_PER_MINUTE: positiveInteger(30),
  RAGSPACE_SIGNUP: z.enum(['open', 'closed'], { message: 'must be open or closed' }).default('closed'),
  RAGSPACE_SIGNUPS_PER_HOUR: positiveInteger(5),
  RAGSPACE_METRICS_TOKEN: optionalString.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
  RAGSPACE_METRICS_WORKSPACE_LABELS: flag,
  RAGSPACE_INGESTION_WORKERS: z.coerce.number().int().min(0).max(64).optional(),
  RAGSPACE_DOCUMENT_WRITERS: z.coerce.number().int().min(1).max(64).optional(),
  RAGSPACE_JOB_LEASE_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  RAGSPACE_REQUEST_TIMEOUT_MS: positiveInteger(60_000),
  RAGSPACE_HEADERS_TIMEOUT_MS: positiveInteger(10_000),
  RAGSPACE_MAX_CONNECTIONS: positiveInteger(1_000),
  EMBEDDER: z.enum(['local', 'openai']).default('local'),
  EMBEDDING_MODEL: optionalString,
  EMBEDDING_DIMENSIONS: z.coerce.number().int().positive().max(16000).optional(),
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: optionalString.pipe(z.url().optional()),
  CHAT_MODEL: optionalString,
  CHAT_TIMEOUT_MS: positiveInteger(60_000),
  CHAT_MAX_RETRIES: z.coerce.number().int().min(0).max(10).default(2),
  CHAT_HISTORY_TOKEN_BUDGET: positiveInteger(4_000),
  RAGSPACE_CHAT_LEASE_SECONDS: z.coerce.number().int().min(5).max(3600).default(60),
  RAGSPACE_PRICES: optionalString,
  GRAPH_BACKEND: z.enum(['postgres', 'neo4j']).default('postgres'),
  NEO4J_URI: optionalString,
  NEO4J_USERNAME: z.string().default('neo4j'),
  NEO4J_PASSWORD: optionalString,
  NEO4J_DATABASE: z.string().default('neo4j'),
});

export type Environment = z.infer<typeof environmentSchema>;

export interface Config {
  databaseUrl: string | undefined;
  dataDirectory: string;
  port: number;
  host: string;
  logLevel: Environment['LOG_LEVEL'];
  keyPepper: string | undefined;
  adminKey: string | undefined;
  corsOrigins: string[];
  bodyLimitBytes: number;
  /** Which proxies' X-Forwarded-For to believe for the client address (rate limits, audit). */
  trustProxy: TrustProxy;
  limits: {
    /** Rate-limit counters live here when set, shared by every server process; in process memory otherwise. */
    redisUrl: string | undefined;
    /** Failed authentications one client address may make per minute before it is refused (429). */
    authenticationFailuresPerMinute: number;
  };
  signup: { open: boolean; perAddressPerHour: number };
  metrics: { token: string | undefined; workspaceLabels: boolean };
  /** Background ingestion: jobs this process runs at once, and how long a claimed job's lease lasts. */
  jobs: { workers: number; leaseSeconds: number };
  /** Document versions this process writes at once (document-writers.ts): a server's uploads and jobs together, or an ingest run. */
  documentWriters: number;
  /** How long a client may take to send a whole request, and its headers; and how many connections are open at most. */
  http: { requestTimeoutMs: number; headersTimeoutMs: number; maxConnections: number };
  embedder: { provider: 'local' | 'openai'; model: string | undefined; dimensions: number | undefined };
  openai: { apiKey: string | undefined; baseUrl: string | undefined; chatModel: string | undefined };
  /** leaseSeconds: how long a chat turn's lease outlives its last renewal (a crashed turn frees its slot after this). */
  chat: { timeoutMs: number; maxRetries: number; historyTokenBudget: number; leaseSeconds: number };
  /** RAGSPACE_PRICES: a JSON price table loaded into model_prices at server start. */
  pricesFile: string | undefined;
  graph: {
    backend: 'postgres' | 'neo4j';
    neo4j: { uri: string | undefined; username: string; password: string | undefined; database: string };
  };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses an environment (process.env by default) into a typed Config, or throws a ConfigError listing every problem. */
export function loadConfig(environment: NodeJS.ProcessEnv = process.env): Config {
  const parsed = environmentSchema.safeParse(environment);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid environment:\n${problems.join('\n')}`);
  }
  const env = parsed.data;
  if (env.DATABASE_URL && !env.RAGSPACE_KEY_PEPPER) {
    throw new ConfigError(
      'Invalid environment:\n  RAGSPACE_KEY_PEPPER: required when DATABASE_URL is set (a random secret of at least 32 characters; every server process must share it)',
    );
  }
  if (env.RAGSPACE_HEADERS_TIMEOUT_MS > env.RAGSPACE_REQUEST_TIMEOUT_MS) {
    throw new ConfigError('Invalid environment:\n  RAGSPACE_HEADERS_TIMEOUT_MS: must not exceed RAGSPACE_REQUEST_TIMEOUT_MS (headers are part of the request)');
  }
  if (env.EMBEDDER === 'openai' && !env.OPENAI_API_KEY && !env.OPENAI_BASE_URL) {
    throw new ConfigError('Invalid environment:\n  OPENAI_API_KEY: required when EMBEDDER=openai (or set OPENAI_BASE_URL for a local server)');
  }
  if (env.GRAPH_BACKEND === 'neo4j' && !env.NEO4J_URI) {
    throw new ConfigError('Invalid environment:\n  NEO4J_URI: required when GRAPH_BACKEND=neo4j');
  }
  return {
    databaseUrl: env.DATABASE_URL,
    dataDirectory: path.resolve(env.RAGSPACE_DATA_DIR),
    port: env.PORT,
    host: env.HOST,
    logLevel: env.LOG_LEVEL,
    keyPepper: env.RAGSPACE_KEY_PEPPER,
    adminKey: env.RAGSPACE_ADMIN_KEY,
    corsOrigins: env.RAGSPACE_CORS_ORIGINS?.split(',').map((origin) => origin.trim()).filter(Boolean) ?? [],
    bodyLimitBytes: env.RAGSPACE_BODY_LIMIT_BYTES,
    trustProxy: env.RAGSPACE_TRUST_PROXY,
    limits: { redisUrl: env.REDIS_URL, authenticationFailuresPerMinute: env.RAGSPACE_AUTH_FAILURES_PER_MINUTE },
    signup: { open: env.RAGSPACE_SIGNUP === 'open', perAddressPerHour: env.RAGSPACE_SIGNUPS_PER_HOUR },
    metrics: { token: env.RAGSPACE_METRICS_TOKEN, workspaceLabels: env.RAGSPACE_METRICS_WORKSPACE_LABELS },
    // The embedded database runs one statement at a time for everyone: one job at a time there.
    jobs: { workers: env.RAGSPACE_INGESTION_WORKERS ?? (env.DATABASE_URL ? 2 : 1), leaseSeconds: env.RAGSPACE_JOB_LEASE_SECONDS },
    // Half the cores on a PostgreSQL server; one on the embedded database (document-writers.ts says why).
    documentWriters: env.RAGSPACE_DOCUMENT_WRITERS ?? (env.DATABASE_URL ? Math.max(1, Math.floor(os.availableParallelism() / 2)) : 1),
    http: {
      requestTimeoutMs: env.RAGSPACE_REQUEST_TIMEOUT_MS,
      headersTimeoutMs: env.RAGSPACE_HEADERS_TIMEOUT_MS,
      maxConnections: env.RAGSPACE_MAX_CONNECTIONS,
    },
    embedder: { provider: env.EMBEDDER, model: env.EMBEDDING_MODEL, dimensions: env.EMBEDDING_DIMENSIONS },
    openai: { apiKey: env.OPENAI_API_KEY, baseUrl: env.OPENAI_BASE_URL, chatModel: env.CHAT_MODEL },
    chat: {
      timeoutMs: env.CHAT_TIMEOUT_MS,
      maxRetries: env.CHAT_MAX_RETRIES,
      historyTokenBudget: env.CHAT_HISTORY_TOKEN_BUDGET,
      leaseSeconds: env.RAGSPACE_CHAT_LEASE_SECONDS,
    },
    pricesFile: env.RAGSPACE_PRICES ? path.resolve(env.RAGSPACE_PRICES) : undefined,
    graph: {
      backend: env.GRAPH_BACKEND,
      neo4j: {
        uri: env.NEO4J_URI,
        username: env.NEO4J_USERNAME,
        password: env.NEO4J_PASSWORD,
        database: env.NEO4J_DATABASE,
      },
    },
  };
}
