// The offline default: no model, so the answer is the retrieved sentences that match best, cited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChatTurn, type ChatDependencies } from '../../src/agent/chat-service.ts';
import { CitationRegistry } from '../../src/agent/citations.ts';
import { noAnswerText, selectSentences } from '../../src/agent/extractive-answerer.ts';
import { createHybridSearchTool } from '../../src/agent/tools/hybrid-search-tool.ts';
import { loadConfig } from '../../src/config.ts';
import type { Database } from '../../src/db/database.ts';
import type { WorkspaceContext } from '../../src/tenancy/workspace-context.ts';
import { acmeDocuments, createTwoWorkspaces, embedder } from './fixtures.ts';

describe('selectSentences', () => {
  const chunk = (content: string, chunkId = 'c1') => ({ chunkId, documentId: 'd1', title: 'T', source: 's.md', headingPath: [], content });

  it('prefers sentences holding the rarer query terms', () => {
    const chosen = selectSentences('How many vacation days do employees get?', [
      chunk('Employees must follow the dress code policy at all times. Every employee gets 25 vacation days a year. Employees park in lot B.'),
    ]);
    expect(chosen[0]!.text).toBe('Every employee gets 25 vacation days a year.');
  });

  it('quotes a procedure whole, with the line that introduces it', () => {
    const procedure = chunk('## Reset your password\n\nIf you forgot your password:\n\n1. Choose **Forgot password?**\n2. Open the reset link we email you.\n\nSupport cannot see passwords.');
    const chosen = selectSentences('How do I reset my password?', [procedure]);
    expect(chosen[0]!.text).toBe('If you forgot your password: 1. Choose Forgot password? 2. Open the reset link we email you.');
  });

  it('returns nothing when no sentence shares a content word with the question', () => {
    expect(selectSentences('What is the capital of France?', [chunk('Our refund window is thirty days long for all orders.')])).toEqual([]);
    expect(selectSentences('the of and', [chunk('The refund window is thirty days long.')])).toEqual([]);
  });
});

describe('with two workspaces', () => {
  let database: Database;
  let acme: WorkspaceContext;
  let globex: WorkspaceContext;

  beforeAll(async () => {
    ({ database, acme, globex } = await createTwoWorkspaces());
  });
  afterAll(() => database.close());

  describe('chat without a language model', () => {
    const dependencies = (): ChatDependencies => ({ config: loadConfig({}), database, embedder });

    it('answers with cited sentences from its own workspace and says it is extractive', async () => {
      const turn = await runChatTurn(dependencies(), acme, { message: 'How long do refunds of Rocket Skates take?' });
      expect(turn.model).toBe('extractive');
      expect(turn.answer).toContain('Acme refunds any Rocket Skates order within 30 days of delivery. [1]');
      expect(turn.citations[0]).toMatchObject({ number: 1, source: 'refunds.md', title: 'Refund policy' });
      expect(turn.toolCalls.map((call) => call.name)).toContain('hybrid_search');
      expect(turn.usage).toEqual({ inputTokens: 0, outputTokens: 0, totalTokens: 0 });
    });

    it('never quotes another workspace, even on shared vocabulary', async () => {
      const fromGlobex = await runChatTurn(dependencies(), globex, { message: 'When are refunds paid?' });
      expect(fromGlobex.answer).toContain('Refunds of relocation costs are paid within 30 days.');
      expect(fromGlobex.answer).not.toContain('Rocket Skates');
      expect(fromGlobex.citations.map((citation) => citation.source)).toEqual(['salaries.md']);
    });

    it('says so when the documents hold no answer', async () => {
      const turn = await runChatTurn(dependencies(), acme, { message: 'Who won the 1998 world cup?' });
      expect(turn.answer).toBe(noAnswerText);
      expect(turn.citations).toEqual([]);
    });
  });

  describe('agent tools read the workspace from the RunnableConfig only', () => {
    it('refuses to run without a workspace context', async () => {
      const tool = createHybridSearchTool({ database, embedder });
      await expect(tool.invoke({ query: 'salary' })).rejects.toThrow(/without a workspace context/);
    });

    it('strips tenant ids a caller puts in the arguments and returns a ToolMessage for a ToolCall', async () => {
      const tool = createHybridSearchTool({ database, embedder });
      const message = await tool.invoke(
        { id: 'call_1', name: 'hybrid_search', type: 'tool_call', args: { query: 'salary bands', workspace_id: globex.workspaceId } },
        { configurable: { workspaceContext: acme, citationRegistry: new CitationRegistry() } },
      );
      expect(message.tool_call_id).toBe('call_1');
      expect(String(message.content)).not.toContain('salary bands for engineers');
      const artifact = message.artifact as { chunks: Array<{ source: string }> };
      expect(artifact.chunks.every((chunk) => acmeDocuments.some((document) => document.source === chunk.source))).toBe(true);
    });
  });
});
