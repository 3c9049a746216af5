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

  it('requires NEO4J_URI for the neo4j graph backend', () => {
    expect(() => loadConfig({ GRAPH_BACKEND: 'neo4j' })).toThrow(/NEO4J_URI/);
  });
});
