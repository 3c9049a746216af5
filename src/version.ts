// The ragspace version, from package.json: shown in the OpenAPI document and to MCP clients.
import { createRequire } from 'node:module';

export function packageVersion(): string {
  return (createRequire(import.meta.url)('../package.json') as { version: string }).version;
}
