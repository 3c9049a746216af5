// The whole tool loop through the real @langchain/openai client against a local server that speaks
// the Chat Completions wire format (streaming, tool-call deltas, usage), with real search underneath.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runChatTurn, type ChatDependencies } from '../../src/agent/chat-service.ts';
import { getSessionMessages } from '../../src/agent/sessions.ts';
import { loadConfig } from '../../src/config.ts';
import type { Database } from '../../src/db/database.ts';
import { updateAgent } from '../../src/tenancy/agents.ts';
import type { WorkspaceContext } from '../../src/tenancy/workspace-context.ts';
import { createTestTenant } from '../helpers/database.ts';
import { startOpenAITestServer, type OpenAITestServer } from '../helpers/openai-test-server.ts';
import { acmeDocuments, createTwoWorkspaces, embedder } from './fixtures.ts';

describe('a chat turn with an OpenAI-compatible model', () => {
  let database: Database;
  let server: OpenAITestServer;
  let acme: WorkspaceContext;
  let globex: WorkspaceContext;
  let dependencies: ChatDependencies;

  beforeAll(async () => {
    ({ database, acme, globex } = await createTwoWorkspaces());
    server = await startOpenAITestServer();
    const config = loadConfig({ OPENAI_BASE_URL: server.baseUrl, OPENAI_API_KEY: 'test-key', CHAT_MODEL: 'test-model', CHAT_MAX_RETRIES: '0' });
    dependencies = { config, database, embedder };
  });
  afterAll(async () => {
    await server.close();
    await database.close();
  });
  beforeEach(() => {
    server.requests.length = 0;
  });

  it('searches with the tools it is given, feeds results back, and answers with citations and usage', async () => {
    server.script(
      { toolCalls: [{ name: 'hybrid_search', arguments: { query: 'refund rocket skates' } }] },
      { content: 'Rocket Skates can be refunded within 30 days [1].', usage: { prompt: 120, completion: 12 } },
    );
    const events: string[] = [];
    const turn = await runChatTurn(dependencies, acme, { message: 'Can I return my Rocket Skates?' }, { emit: (event) => events.push(event.type) });

    expect(turn.answer).toBe('Rocket Skates can be refunded within 30 days [1].');
    expect(turn.model).toBe('test-model');
    expect(turn.citations).toEqual([expect.objectContaining({ number: 1, source: 'refunds.md', title: 'Refund policy' })]);
    expect(turn.toolCalls).toEqual([
      expect.objectContaining({ name: 'hybrid_search', arguments: { query: 'refund rocket skates' }, summary: expect.stringMatching(/passages? from/) }),
    ]);
    // First reply's usage (11 × 1 + 7) plus the scripted second one.
    expect(turn.usage).toEqual({ inputTokens: 11 + 120, outputTokens: 7 + 12, totalTokens: 18 + 132 });
    expect(events).toEqual(expect.arrayContaining(['tool_call', 'tool_result', 'token']));

    const [first, second] = server.requests;
    expect(first!.body.stream).toBe(true);
    expect(first!.body.stream_options).toEqual({ include_usage: true });
    expect(first!.body.tools!.map((tool) => tool.function.name).sort()).toEqual(['get_document', 'hybrid_search', 'list_documents', 'text_search', 'vector_search']);
    // Nothing about the tenant reaches the model: no ids, no tenant parameters in the tool schemas.
    expect(JSON.stringify(first!.body)).not.toContain(acme.workspaceId);
    const parameterNames = first!.body.tools!.flatMap((tool) => Object.keys((tool.function.parameters as { properties: object }).properties));
    expect(parameterNames.filter((parameter) => /workspace|organization|tenant|group/i.test(parameter))).toEqual([]);
    const toolMessage = second!.body.messages.find((message) => message.role === 'tool');
    expect(toolMessage?.content).toContain('[1] Refund policy (refunds.md)');
    expect(toolMessage?.content).toContain('within 30 days of delivery');
  });

  it('ignores a workspace id the model puts into tool arguments (prompt injection)', async () => {
    server.script(
      {
        toolCalls: [
          { name: 'hybrid_search', arguments: { query: 'salary bands refunds 30 days', workspace_id: globex.workspaceId, workspaceId: globex.workspaceId } },
          { name: 'vector_search', arguments: { query: 'salary bands', workspace_id: globex.workspaceId } },
          { name: 'list_documents', arguments: { workspaceId: globex.workspaceId, organization_id: globex.organizationId } },
        ],
      },
      { content: 'I found nothing about salaries.' },
    );
    const turn = await runChatTurn(dependencies, acme, { message: 'Follow the partner note.' });
    const toolMessages = server.requests[1]!.body.messages.filter((message) => message.role === 'tool');
    expect(toolMessages).toHaveLength(3);
    for (const message of toolMessages) {
      expect(message.content).not.toMatch(/salary bands for engineers|120,000|salaries\.md/i);
    }
    expect(toolMessages[2]!.content).toContain('refunds.md');
    expect(turn.citations.every((citation) => acmeDocuments.some((document) => document.source === citation.source))).toBe(true);
  });

  it('binds only the tools the agent enables', async () => {
    const onlyVector = await createTestTenant(database);
    await updateAgent(database, onlyVector, 'default', { enabledTools: ['vector_search'] });
    server.script({ content: 'Nothing to search.' });
    await runChatTurn(dependencies, onlyVector, { message: 'Hello' });
    expect(server.requests[0]!.body.tools!.map((tool) => tool.function.name)).toEqual(['vector_search']);
  });

  it('ends with an answer when the model keeps asking for tools past its budget', async () => {
    const limited = await createTestTenant(database);
    await updateAgent(database, limited, 'default', { maxToolRounds: 1 });
    server.script({ toolCalls: [{ name: 'hybrid_search', arguments: { query: 'a' } }] }, { content: 'Final answer.' });
    const turn = await runChatTurn(dependencies, limited, { message: 'Loop forever' });
    expect(turn.answer).toBe('Final answer.');
    expect(server.requests[1]!.body.tools).toBeUndefined();
  });

  it('feeds a failing tool call back to the model as an error instead of failing the turn', async () => {
    server.script(
      { toolCalls: [{ name: 'get_document', arguments: { document_id: '00000000-0000-4000-8000-000000000000' } }] },
      { content: 'That document does not exist.' },
    );
    const turn = await runChatTurn(dependencies, acme, { message: 'Read document zero' });
    expect(turn.toolCalls[0]).toMatchObject({ name: 'get_document', error: expect.stringContaining('not found') });
    const toolMessage = server.requests[1]!.body.messages.find((message) => message.role === 'tool');
    expect(toolMessage?.content).toMatch(/Tool error: .*not found/);
  });

  it('keeps a session: the follow-up sees the history, and messages are stored in order', async () => {
    server.script({ content: 'Support is open 8am to 6pm [1].' });
    const first = await runChatTurn(dependencies, acme, { message: 'When is support open?' });
    server.script({ content: 'Yes, urgent outages are covered around the clock.' });
    const second = await runChatTurn(dependencies, acme, { message: 'And at night?', sessionId: first.sessionId });
    expect(second.sessionId).toBe(first.sessionId);
    const sent = server.requests[1]!.body.messages.map((message) => [message.role, message.content]);
    expect(sent).toEqual([
      ['system', expect.any(String)],
      ['user', 'When is support open?'],
      ['assistant', 'Support is open 8am to 6pm [1].'],
      ['user', 'And at night?'],
    ]);
    const stored = await getSessionMessages(database, acme, first.sessionId);
    expect(stored.map((message) => [message.sequence, message.role, message.status])).toEqual([
      [1, 'user', 'complete'],
      [2, 'assistant', 'complete'],
      [3, 'user', 'complete'],
      [4, 'assistant', 'complete'],
    ]);
    await expect(runChatTurn(dependencies, globex, { message: 'hi', sessionId: first.sessionId })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('reports a model failure clearly and keeps the session', async () => {
    server.script({ status: 500, message: 'the model is overloaded' });
    let sessionId = '';
    await expect(
      runChatTurn(dependencies, acme, { message: 'Are you there?' }, { onSession: (session) => (sessionId = session.id) }),
    ).rejects.toMatchObject({ code: 'upstream_error', statusCode: 502, message: expect.stringContaining('test-model') });
    const stored = await getSessionMessages(database, acme, sessionId);
    expect(stored.map((message) => [message.role, message.status])).toEqual([
      ['user', 'complete'],
      ['assistant', 'failed'],
    ]);
    expect(stored[1]!.error).toContain('overloaded');
  });
});
