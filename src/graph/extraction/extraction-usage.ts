// Tells the current usage scope (tenancy/usage-scope.ts) what each LLM extraction call used, so
// graph extraction is billed to the workspace whose document it read. Attached to the extraction
// model and awaited inline (not in LangChain's background queue), so it runs inside the caller's
// scope before the call returns.
import { BaseCallbackHandler } from '@langchain/core/callbacks/base';
import type { LLMResult } from '@langchain/core/outputs';
import { currentUsageScope } from '../../tenancy/usage-scope.ts';

export class ExtractionUsageHandler extends BaseCallbackHandler {
  name = 'ragspace-extraction-usage';

  constructor(private readonly modelName: string) {
    super({ _awaitHandler: true });
  }

  override handleLLMEnd(output: LLMResult): void {
    const usage = output.llmOutput?.tokenUsage as { promptTokens?: number; completionTokens?: number } | undefined;
    currentUsageScope()?.noteGraphExtraction(this.modelName, usage?.promptTokens ?? 0, usage?.completionTokens ?? 0);
  }
}
