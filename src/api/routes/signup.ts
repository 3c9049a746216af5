// POST /signup (only with RAGSPACE_SIGNUP=open): a new organization on the default plan, its
// first workspace and an organization admin key, shown once. Limited per client address, every
// attempt counted (so slugs cannot be probed at speed either).
import { countRateLimitRejection } from '../../observability/metrics.ts';
import { rateLimited } from '../../errors.ts';
import { signUp } from '../../tenancy/signup.ts';
import { access } from '../access.ts';
import { auditActorOf } from '../plugins/authentication.ts';
import { clientAddressKey } from '../rate-limit-store.ts';
import type { RouteModule } from '../route-module.ts';
import { signupBodySchema, signupResponseSchema } from '../schemas/administration.ts';

export const signupRoutes: RouteModule = async (app, { runtime, rateLimits }) => {
  const { database, keyPepper, config } = runtime;
  if (!config.signup.open) return;
  const perHour = config.signup.perAddressPerHour;

  app.post('/signup', {
    config: {
      access: access.public(),
      rateLimit: rateLimits
        ? {
            max: perHour,
            timeWindow: 60 * 60 * 1000,
            keyGenerator: (request) => `signup:${clientAddressKey(request)}`,
            onExceeded: () => countRateLimitRejection({ workspaceId: null, limit: 'signup' }),
            errorResponseBuilder: (_request, context) =>
              rateLimited(`At most ${perHour} sign-ups an hour from one address; retry in ${Math.ceil(context.ttl / 1000)} s`, {
                limit: 'signup',
                retryAfterSeconds: Math.ceil(context.ttl / 1000),
              }),
          }
        : false,
    },
    schema: {
      tags: ['sign-up'],
      summary: 'Sign up: an organization on the default plan, its first workspace, and an organization admin key (shown once)',
      description: [
        'The slug is 3-40 lower-case letters, digits and hyphens; reserved words are refused (400) and a taken slug answers 409.',
        `At most ${perHour} attempts an hour from one client address (429 rate_limited with Retry-After).`,
      ].join(' '),
      body: signupBodySchema,
      response: { 201: signupResponseSchema },
    },
    handler: async (request, reply) => reply.code(201).send(await signUp(database, keyPepper, request.body, auditActorOf(request))),
  });
};
