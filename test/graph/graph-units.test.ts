// Pure parts of the graph: name normalisation, relation families, contradiction settling by time,
// reciprocal rank fusion and BM25 (the neo4j backend's text scoring).
import { describe, expect, it } from 'vitest';
import { settleContradictions, createRuleContradictionJudge, type JudgedFact } from '../../src/graph/indexing/contradictions.ts';
import { mergeExtractedEntities, typesCompatible } from '../../src/graph/indexing/entity-resolution.ts';
import { relationFamily } from '../../src/graph/indexing/relation-families.ts';
import { normalizeEntityName, normalizeRelation } from '../../src/graph/names.ts';
import { fuseByReciprocalRank } from '../../src/graph/rank-fusion.ts';
import { analyzeTerms } from '../../src/graph/text-terms.ts';
import { bm25Score } from '../../src/search/text-analysis.ts';

function judged(key: string, overrides: Partial<JudgedFact>): JudgedFact {
  return { key, isNew: true, sourceId: 's', targetId: 't', sourceName: 'S', targetName: 'T', relation: 'lead', fact: key, validAt: null, order: 0, ...overrides };
}

describe('graph building blocks', () => {
  it('normalises names so spellings of one entity meet', () => {
    expect(normalizeEntityName('Acme Corp.')).toBe('acme');
    expect(normalizeEntityName('The ACME Corporation’s')).toBe('acme');
    expect(normalizeEntityName('Dr. Maria Chén')).toBe('maria chen');
    expect(normalizeEntityName('Procter & Gamble')).toBe('procter and gamble');
    expect(normalizeEntityName('Co')).toBe('co'); // a name is never normalised away
    expect(normalizeRelation('WORKS_FOR')).toBe('works for');
    expect(typesCompatible('other', 'person')).toBe(true);
    expect(typesCompatible('place', 'person')).toBe(false);
  });

  it('merges a document’s entities by normalised name, keeping the most specific type', () => {
    const merged = mergeExtractedEntities([
      { name: 'Atlas Picker', type: 'other', summary: '', episodeKeys: ['a'] },
      { name: 'the Atlas Picker', type: 'product', summary: 'A robot.', episodeKeys: ['b'] },
    ]);
    expect(merged).toEqual([expect.objectContaining({ normalizedName: 'atlas picker', type: 'product', summary: 'A robot.', episodeKeys: ['a', 'b'] })]);
  });

  it('knows which relations admit one value at a time', () => {
    expect(relationFamily('leads')).toMatchObject({ name: 'leadership', exclusiveSide: 'target' });
    expect(relationFamily('CEO_OF')).toMatchObject({ name: 'leadership' });
    expect(relationFamily('headquartered in')).toMatchObject({ name: 'location', exclusiveSide: 'source' });
    expect(relationFamily('move headquarters to')).toMatchObject({ name: 'location' });
    expect(relationFamily('WORKS_FOR')).toMatchObject({ name: 'employer' });
    expect(relationFamily('advise')).toBeNull();
  });

  it('judges conflicts on the exclusive side only', async () => {
    const judge = createRuleContradictionJudge();
    const newLeader = judged('new', { sourceId: 'omar' });
    const oldLeader = judged('old', { sourceId: 'maria', isNew: false });
    const otherCompany = judged('other', { sourceId: 'maria', targetId: 'globex', isNew: false });
    expect(await judge.findContradictions([newLeader], [oldLeader, otherCompany])).toEqual([['new', 'old']]);
  });

  it('settles a conflict by time: later validity wins, a dated fact beats an undated one, else the newer', () => {
    const reference = '2026-05-01T00:00:00.000Z';
    const facts = new Map<string, JudgedFact>([
      ['dated-2024', judged('dated-2024', { validAt: '2024-01-01T00:00:00.000Z' })],
      ['dated-2019', judged('dated-2019', { validAt: '2019-01-01T00:00:00.000Z', isNew: false })],
      ['undated-new', judged('undated-new', {})],
      ['undated-old', judged('undated-old', { isNew: false })],
    ]);
    expect(settleContradictions([['dated-2024', 'dated-2019']], facts, reference)).toEqual([
      { key: 'dated-2019', invalidAt: '2024-01-01T00:00:00.000Z', invalidatedByKey: 'dated-2024' },
    ]);
    expect(settleContradictions([['undated-new', 'dated-2019']], facts, reference)).toEqual([
      // The undated statement reads as the earlier state: it ended when the dated one began.
      { key: 'undated-new', invalidAt: '2019-01-01T00:00:00.000Z', invalidatedByKey: 'dated-2019' },
    ]);
    expect(settleContradictions([['undated-new', 'undated-old']], facts, reference)).toEqual([
      { key: 'undated-old', invalidAt: reference, invalidatedByKey: 'undated-new' },
    ]);
  });

  it('fuses rankings by reciprocal rank, deterministically', () => {
    const fused = fuseByReciprocalRank([
      ['a', 'b', 'c'],
      ['b', 'a'],
      ['c'],
    ]);
    expect(fused.map((entry) => entry.id)).toEqual(['a', 'b', 'c']);
    expect(fused[0]!.score).toBeCloseTo(1 / 61 + 1 / 62);
  });

  it('scores BM25 from one group’s statistics', () => {
    expect(analyzeTerms('Maria Chen leads the company')).toEqual(['maria', 'chen', 'lead', 'compani']);
    const statistics = { documentCount: 10, averageLength: 5, documentFrequency: new Map([['lead', 2], ['chen', 1]]) };
    const rare = bm25Score(['chen'], analyzeTerms('Maria Chen joined'), statistics);
    const common = bm25Score(['lead'], analyzeTerms('Omar leads Acme'), statistics);
    expect(rare).toBeGreaterThan(common);
    expect(bm25Score(['absent'], ['maria'], statistics)).toBe(0);
    // Repeating a query term counts it twice, as the reference BM25 does.
    expect(bm25Score(['chen', 'chen'], ['chen'], statistics)).toBeCloseTo(2 * bm25Score(['chen'], ['chen'], statistics));
  });
});
