// Citations: every chunk a tool shows the model gets a number for the turn; the answer cites [n].

export interface Citation {
  number: number;
  chunkId: string;
  documentId: string;
  title: string;
  source: string;
  headingPath: string[];
}

export interface CitableChunk {
  chunkId: string;
  documentId: string;
  title: string;
  source: string;
  headingPath: string[];
  content: string;
}

export class CitationRegistry {
  private readonly byChunk = new Map<string, Citation>();

  /** Returns the chunk's number, assigning the next one the first time it is seen. */
  register(chunk: CitableChunk): Citation {
    const existing = this.byChunk.get(chunk.chunkId);
    if (existing) return existing;
    const citation: Citation = {
      number: this.byChunk.size + 1,
      chunkId: chunk.chunkId,
      documentId: chunk.documentId,
      title: chunk.title,
      source: chunk.source,
      headingPath: chunk.headingPath,
    };
    this.byChunk.set(chunk.chunkId, citation);
    return citation;
  }

  all(): Citation[] {
    return [...this.byChunk.values()];
  }

  /** The citations an answer refers to with [n]; all seen chunks when it refers to none. */
  citedIn(answer: string): Citation[] {
    const numbers = new Set([...answer.matchAll(/\[(\d+)\]/g)].map((match) => Number(match[1])));
    const cited = this.all().filter((citation) => numbers.has(citation.number));
    return cited.length > 0 ? cited : this.all();
  }
}

/** The text a model reads for a list of chunks: numbered, titled, with their heading path. */
export function formatChunksForModel(chunks: CitableChunk[], registry: CitationRegistry): string {
  if (chunks.length === 0) return 'No matching passages in this workspace.';
  return chunks
    .map((chunk) => {
      const { number } = registry.register(chunk);
      const heading = chunk.headingPath.length > 0 ? ` › ${chunk.headingPath.join(' › ')}` : '';
      return `[${number}] ${chunk.title} (${chunk.source})${heading}\n${chunk.content.trim()}`;
    })
    .join('\n\n');
}
