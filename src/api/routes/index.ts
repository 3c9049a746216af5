// The route files the service always serves, in registration order. A new resource gets its own
// file under routes/ and a line here; optional ones come in through buildApp's extraRoutes.
import type { RouteModule } from '../route-module.ts';
import { agentRoutes } from './agents.ts';
import { apiKeyRoutes } from './api-keys.ts';
import { auditRoutes } from './audit.ts';
import { chatRoutes } from './chat.ts';
import { documentRoutes } from './documents.ts';
import { healthRoutes } from './health.ts';
import { metricsRoutes } from './metrics.ts';
import { mcpRoutes } from './mcp.ts';
import { openAiCompatibleRoutes } from './openai-compatible.ts';
import { organizationApiKeyRoutes } from './organization-api-keys.ts';
import { organizationRoutes } from './organizations.ts';
import { planRoutes } from './plans.ts';
import { searchRoutes } from './search.ts';
import { sessionRoutes } from './sessions.ts';
import { signupRoutes } from './signup.ts';
import { tenantAdministrationRoutes } from './tenant-administration.ts';
import { workspaceRoutes } from './workspaces.ts';

export const coreRoutes: readonly RouteModule[] = [
  healthRoutes,
  metricsRoutes,
  signupRoutes,
  planRoutes,
  organizationRoutes,
  tenantAdministrationRoutes,
  auditRoutes,
  organizationApiKeyRoutes,
  workspaceRoutes,
  agentRoutes,
  apiKeyRoutes,
  documentRoutes,
  searchRoutes,
  chatRoutes,
  sessionRoutes,
  mcpRoutes,
  openAiCompatibleRoutes,
];
