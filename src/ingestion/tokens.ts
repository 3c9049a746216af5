// Counts tokens the way OpenAI models do (cl100k_base), so chunk sizes mean the same thing for every
// embedder. The encoding's ranks ship inside js-tiktoken: nothing is downloaded at run time
// (LangChain's getEncoding would fetch them from the network, so it is not used here).
import { Tiktoken } from 'js-tiktoken/lite';
import cl100kBase from 'js-tiktoken/ranks/cl100k_base';

export interface TokenCounter {
  count(text: string): number;
}

/** Builds the tokenizer (≈ 0.2 s: call once per process and pass it down). */
export function createTokenCounter(): TokenCounter {
  const encoding = new Tiktoken(cl100kBase);
  return {
    count: (text) => (text.length === 0 ? 0 : encoding.encode(text, [], []).length),
  };
}
