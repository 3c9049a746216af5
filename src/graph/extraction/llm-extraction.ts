// Extraction and contradiction judging with an OpenAI-compatible chat model, through LangChain's
// structured output (a zod schema sent as a JSON schema). One call per document (or per batch of
// chunks for long documents) extracts everything; one more call judges contradictions, only when
// the document touches facts already stored.
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { z } from 'zod';
import { describeModelFailure } from '../../models/model-failure.ts';
import type { ContradictionJudge, JudgedFact } from '../indexing/contradictions.ts';
import { entityTypes } from '../model.ts';
import { normalizeEntityName } from '../names.ts';
import type { ExtractedEntity, ExtractedFact, ExtractionInput, ExtractionResult, GraphExtractor } from './extractor.ts';
import { parseLooseDate } from './temporal-expressions.ts';

// Every field required (nullable where optional): what OpenAI's strict structured output accepts.
export const extractionSchema = z.object({
  entities: z
    .array(
      z.object({
        name: z.string().describe('The name as written in the text, most complete form'),
        type: z.enum(entityTypes),
        summary: z.string().describe('One sentence on who or what it is, from the text'),
      }),
    )
    .describe('People, organizations, places, products and key concepts'),
  facts: z
    .array(
      z.object({
        source: z.string().describe('Name of the subject entity, exactly as in entities'),
        target: z.string().describe('Name of the object entity, exactly as in entities'),
        relation: z.string().describe('Short lower-case relation, e.g. "works for", "acquired", "headquartered in"'),
        fact: z.string().describe('A self-contained sentence stating the fact'),
        valid_at: z.string().nullable().describe('ISO 8601 date the fact started to hold, if the text says; else null'),
        invalid_at: z.string().nullable().describe('ISO 8601 date the fact stopped holding, if the text says; else null'),
        chunk: z.number().int().describe('Number of the chunk the fact comes from'),
      }),
    )
    .describe('Directed relationships between two of the entities'),
});

export const contradictionSchema = z.object({
  contradictions: z.array(
    z.object({
      new_fact: z.number().int().describe('Number of the new fact'),
      existing_fact: z.number().int().describe('Number of the existing fact it contradicts'),
    }),
  ),
});

const extractionInstructions = `You extract a knowledge graph from one document for a retrieval system.
Return the entities the document mentions (people, organizations, places, products, key concepts) and the facts
it states between two of them. A fact has a subject (source) and object (target) entity named exactly as in your
entity list, a short lower-case relation, a self-contained sentence, the date it started to hold (valid_at) and
stopped holding (invalid_at) when the text says so (ISO 8601, else null), and the number of the chunk it comes from.
State only what the text says. Resolve pronouns to names.`;

const contradictionInstructions = `New facts were just learned. For each new fact, list the existing facts it contradicts:
facts that cannot be true at the same time (another chief executive of the same company, another headquarters,
another current employer). Facts that can both hold are not contradictions. Return an empty list if there are none.`;

export interface LlmExtractionOptions {
  /** Builds the chat model (the model provider's, with the configured timeout and retries) on first use. */
  model: () => Promise<BaseChatModel>;
  /** For the extractor's name ("llm:<model>"). */
  modelName: string;
  /** CHAT_TIMEOUT_MS, quoted when the model times out. */
  timeoutMs: number;
  /** Characters of chunk text per call; longer documents are split into batches (default 24,000). */
  maximumCharactersPerCall?: number;
}

type ModelSettings = Pick<LlmExtractionOptions, 'model' | 'modelName' | 'timeoutMs'>;

async function invokeStructured<Schema extends z.ZodType<Record<string, unknown>>>(
  settings: ModelSettings,
  schema: Schema,
  name: string,
  instructions: string,
  input: string,
): Promise<z.infer<Schema>> {
  try {
    const structured = (await settings.model()).withStructuredOutput(schema, { name, method: 'jsonSchema' });
    return (await structured.invoke([
      { role: 'system', content: instructions },
      { role: 'user', content: input },
    ])) as z.infer<Schema>;
  } catch (error) {
    throw describeModelFailure(error, settings.modelName, settings.timeoutMs);
  }
}

function batchesOf(episodes: ExtractionInput['episodes'], maximumCharacters: number): Array<ExtractionInput['episodes']> {
  const batches: Array<ExtractionInput['episodes']> = [];
  let current: ExtractionInput['episodes'] = [];
  let size = 0;
  for (const episode of episodes) {
    if (current.length > 0 && size + episode.content.length > maximumCharacters) {
      batches.push(current);
      current = [];
      size = 0;
    }
    current.push(episode);
    size += episode.content.length;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

function interpretBatch(batch: ExtractionInput['episodes'], output: z.infer<typeof extractionSchema>): ExtractionResult {
  const keyOfChunk = (chunk: number) => batch[chunk - 1]?.key ?? batch[0]!.key;
  const facts: ExtractedFact[] = output.facts.map((fact) => ({
    source: fact.source,
    target: fact.target,
    relation: fact.relation,
    fact: fact.fact,
    validAt: parseLooseDate(fact.valid_at),
    invalidAt: parseLooseDate(fact.invalid_at),
    episodeKey: keyOfChunk(fact.chunk),
  }));
  const entities = new Map<string, ExtractedEntity>();
  const add = (name: string, type: ExtractedEntity['type'], summary: string) => {
    const key = normalizeEntityName(name);
    if (!key || entities.has(key)) return;
    const lower = name.toLowerCase();
    const mentioning = batch.filter((episode) => episode.content.toLowerCase().includes(lower)).map((episode) => episode.key);
    const fromFacts = facts
      .filter((fact) => normalizeEntityName(fact.source) === key || normalizeEntityName(fact.target) === key)
      .map((fact) => fact.episodeKey);
    const episodeKeys = [...new Set([...mentioning, ...fromFacts])];
    entities.set(key, { name, type, summary, episodeKeys: episodeKeys.length > 0 ? episodeKeys : [batch[0]!.key] });
  };
  for (const entity of output.entities) add(entity.name, entity.type, entity.summary);
  // A fact naming an entity the list forgot still gets its endpoint, untyped.
  for (const fact of facts) {
    add(fact.source, 'other', '');
    add(fact.target, 'other', '');
  }
  return { entities: [...entities.values()], facts };
}

export function createLlmExtractor(options: LlmExtractionOptions): GraphExtractor {
  const maximumCharacters = options.maximumCharactersPerCall ?? 24_000;
  return {
    name: `llm:${options.modelName}`,
    async extract(input) {
      const results: ExtractionResult[] = [];
      for (const batch of batchesOf(input.episodes, maximumCharacters)) {
        const chunks = batch.map((episode, index) => `[chunk ${index + 1}]\n${episode.content}`).join('\n\n');
        const output = await invokeStructured(
          options,
          extractionSchema,
          'extract_knowledge_graph',
          extractionInstructions,
          `Document: ${input.documentTitle}\nReference time: ${input.referenceTime}\n\n${chunks}`,
        );
        results.push(interpretBatch(batch, output));
      }
      return { entities: results.flatMap((result) => result.entities), facts: results.flatMap((result) => result.facts) };
    },
  };
}

function describeFact(fact: JudgedFact): string {
  const since = fact.validAt ? ` (since ${fact.validAt.slice(0, 10)})` : '';
  return `${fact.sourceName} -[${fact.relation}]-> ${fact.targetName}: ${fact.fact}${since}`;
}

export function createLlmContradictionJudge(options: ModelSettings & { maximumExistingFacts?: number }): ContradictionJudge {
  const maximumExisting = options.maximumExistingFacts ?? 100;
  return {
    name: `llm:${options.modelName}`,
    async findContradictions(newFacts, currentFacts) {
      const touched = new Set(newFacts.flatMap((fact) => [fact.sourceId, fact.targetId]));
      const existing = currentFacts
        .filter((fact) => touched.has(fact.sourceId) || touched.has(fact.targetId))
        .slice(0, maximumExisting);
      if (newFacts.length === 0 || existing.length === 0) return [];
      const listing = [
        'New facts:',
        ...newFacts.map((fact, index) => `N${index + 1}. ${describeFact(fact)}`),
        '',
        'Existing facts:',
        ...existing.map((fact, index) => `E${index + 1}. ${describeFact(fact)}`),
      ].join('\n');
      const output = await invokeStructured(options, contradictionSchema, 'find_contradictions', contradictionInstructions, listing);
      return output.contradictions.flatMap((pair): Array<[string, string]> => {
        const newFact = newFacts[pair.new_fact - 1];
        const existingFact = existing[pair.existing_fact - 1];
        return newFact && existingFact ? [[newFact.key, existingFact.key]] : [];
      });
    },
  };
}
