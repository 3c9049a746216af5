// Tools return [text for the model, artifact]; the artifact's summary is what clients see in tool_result events.

import type { CitableChunk } from './citations.ts';

export interface ToolArtifact {
  summary: string;
  /** Passages the tool showed, for citations and the offline answerer. */
  chunks?: CitableChunk[];
  /** Fact sentences the tool showed, with the passages that support them when known. */
  facts?: Array<{ fact: string; documentIds: string[] }>;
  /** The source the tool reads could not be reached (the answer must do without it). */
  unavailable?: boolean;
}

export function toolOutput(textForModel: string, artifact: ToolArtifact): [string, ToolArtifact] {
  return [textForModel, artifact];
}

export function summarizeToolResult(toolName: string, artifact: unknown): string {
  const summary = (artifact as Partial<ToolArtifact> | undefined)?.summary;
  return typeof summary === 'string' ? summary : `${toolName} finished`;
}

export function plural(count: number, noun: string, pluralNoun = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : pluralNoun}`;
}
