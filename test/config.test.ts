import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

describe('loadConfig', () => {
  it('defaults to the embedded database in ./.ragspace', () => {
    const config = loadConfig({});
    expect(config.databaseUrl).toBeUndefined();
    expect(config.dataDirectory.endsWith('.ragspace')).toBe(true);
    expect(config).toMatchObject({ port: 3000, host: '127.0.0.1', logLevel: 'info', embedder: { provider: 'local' } });
  });

  it('names the variable and the problem', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT: /);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
    expect(() => loadConfig({ DATABASE_URL: 'not a url', RAGSPACE_KEY_PEPPER: 'p'.repeat(32) })).toThrow(/DATABASE_URL/);
  });

  it('requires a key pepper with DATABASE_URL, and a long one', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://localhost/ragspace' })).toThrow(/RAGSPACE_KEY_PEPPER: required/);
    expect(() => loadConfig({ DATABASE_URL: 'postgres://localhost/ragspace', RAGSPACE_KEY_PEPPER: 'short' })).toThrow(
      /RAGSPACE_KEY_PEPPER: must be at least 32/,
    );
    const config = loadConfig({ DATABASE_URL: 'postgres://localhost/ragspace', RAGSPACE_KEY_PEPPER: 'p'.repeat(32) });
    expect(config.databaseUrl).toBe('postgres://localhost/ragspace');
  });

  it('writes one document at a time on the embedded database, and on half the cores with PostgreSQL', () => {
    const server = { DATABASE_URL: 'postgres://localhost/ragspace', RAGSPACE_KEY_PEPPER: 'p'.repeat(32) };
    expect(loadConfig({}).documentWriters).toBe(1);
    expect(loadConfig(server).documentWriters).toBe(Math.max(1, Math.floor(os.availableParallelism() / 2)));
    expect(loadConfig({ ...server, RAGSPACE_DOCUMENT_WRITERS: '6' }).documentWriters).toBe(6);
    expect(() => loadConfig({ RAGSPACE_DOCUMENT_WRITERS: '0' })).toThrow(/RAGSPACE_DOCUMENT_WRITERS/);
  });

  it('requires NEO4J_URI for the neo4j graph backend', () => {
    expect(() => loadConfig({ GRAPH_BACKEND: 'neo4j' })).toThrow(/NEO4J_URI/);
  });

  it('reads the limits, sign-up, metrics and proxy settings, off or conservative by default', () => {
    const defaults = loadConfig({});
    expect(defaults).toMatchObject({
      trustProxy: false,
      limits: { redisUrl: undefined, authenticationFailuresPerMinute: 30 },
      signup: { open: false, perAddressPerHour: 5 },
      metrics: { token: undefined, workspaceLabels: false },
    });
    const configured = loadConfig({
      REDIS_URL: 'redis://cache.internal:6379/2',
      RAGSPACE_SIGNUP: 'open',
      RAGSPACE_METRICS_WORKSPACE_LABELS: 'true',
      RAGSPACE_METRICS_TOKEN: 't'.repeat(32),
      RAGSPACE_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1',
    });
    expect(configured).toMatchObject({
      trustProxy: ['10.0.0.0/8', '127.0.0.1'],
      limits: { redisUrl: 'redis://cache.internal:6379/2' },
      signup: { open: true },
      metrics: { workspaceLabels: true },
    });
    const hops = loadConfig({ RAGSPACE_TRUST_PROXY: '2' }).trustProxy as (address: string, hop: number) => boolean;
    expect([0, 1, 2].map((hop) => hops('10.0.0.1', hop))).toEqual([true, true, false]);
  });

  it('refuses bad limits, sign-up and metrics settings by name', () => {
    expect(() => loadConfig({ REDIS_URL: 'http://cache:6379' })).toThrow(/REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL/);
    expect(() => loadConfig({ RAGSPACE_SIGNUP: 'yes' })).toThrow(/RAGSPACE_SIGNUP: must be open or closed/);
    expect(() => loadConfig({ RAGSPACE_METRICS_WORKSPACE_LABELS: 'on' })).toThrow(/RAGSPACE_METRICS_WORKSPACE_LABELS: must be true or false/);
    expect(() => loadConfig({ RAGSPACE_METRICS_TOKEN: 'short' })).toThrow(/RAGSPACE_METRICS_TOKEN: must be at least 32/);
    expect(() => loadConfig({ RAGSPACE_AUTH_FAILURES_PER_MINUTE: '0' })).toThrow(/RAGSPACE_AUTH_FAILURES_PER_MINUTE/);
  });
});
