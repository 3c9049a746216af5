// The offline extractor on realistic prose: names typed, facts read from verbs and appositions,
// pronouns and short names resolved, dates attached, negated and hedged statements left out.
import { describe, expect, it } from 'vitest';
import type { ExtractionResult } from '../../src/graph/extraction/extractor.ts';
import { extractOffline } from '../../src/graph/extraction/offline-extractor.ts';
import { findDates } from '../../src/graph/extraction/temporal-expressions.ts';
import { readFixture } from './helpers/graph-fixtures.ts';

function extract(content: string): ExtractionResult {
  return extractOffline({ documentTitle: 'test', episodes: [{ key: 'episode-1', content }], referenceTime: '2026-01-01T00:00:00.000Z' });
}

function triples(result: ExtractionResult): string[] {
  return result.facts.map((fact) => `${fact.source} -[${fact.relation}]-> ${fact.target}`);
}

function typeOf(result: ExtractionResult, name: string): string | undefined {
  return result.entities.find((entity) => entity.name === name)?.type;
}

describe('offline extractor', () => {
  const profile = extract(readFixture('northwind-profile.md'));

  it('finds and types people, organisations, places, products and concepts', () => {
    expect(typeOf(profile, 'Maria Chen')).toBe('person');
    expect(typeOf(profile, 'Priya Raman')).toBe('person'); // typed by her apposition, "a researcher"
    expect(typeOf(profile, 'Northwind Robotics')).toBe('organization');
    expect(typeOf(profile, 'Helix Vision')).toBe('organization'); // "a startup"
    expect(typeOf(profile, 'Delft University of Technology')).toBe('organization');
    expect(typeOf(profile, 'Rotterdam')).toBe('place');
    expect(typeOf(profile, 'Atlas Picker')).toBe('product'); // "flagship product, the Atlas Picker"
    expect(typeOf(profile, 'camera system')).toBe('concept');
    expect(profile.entities.every((entity) => entity.episodeKeys.includes('episode-1'))).toBe(true);
  });

  it('reads facts from verbs, passives with "by", appositions and coordinated subjects', () => {
    const found = triples(profile);
    expect(found).toEqual(
      expect.arrayContaining([
        'Northwind Robotics -[based in]-> Rotterdam',
        'Maria Chen -[found]-> Northwind Robotics',
        'Tomas Berg -[found]-> Northwind Robotics',
        'Northwind Robotics -[acquire]-> Helix Vision',
        'Helix Vision -[is startup from]-> Lyon',
        'Helix Vision -[build]-> camera system',
        'Maria Chen -[lead]-> Northwind Robotics',
        'Atlas Picker -[assembled in]-> Eindhoven',
        'Priya Raman -[is researcher at]-> Delft University of Technology',
        'Priya Raman -[advise]-> Northwind Robotics',
      ]),
    );
    // The inserted phrase "a startup from Lyon" belongs to Helix Vision, not to "acquired".
    expect(found).not.toContain('Northwind Robotics -[acquire from]-> Lyon');
  });

  it('resolves a leading pronoun and writes the fact sentence with the name', () => {
    const founded = profile.facts.find((fact) => fact.relation === 'found' && fact.source === 'Maria Chen');
    expect(founded?.fact).toBe('Northwind Robotics was founded in 2014 by Maria Chen and Tomas Berg.');
    expect(founded?.validAt).toBe('2014-01-01T00:00:00.000Z');
  });

  it('attaches stated dates to the clause they belong to', () => {
    const update = extract(readFixture('northwind-2024-update.md'));
    const led = update.facts.find((fact) => fact.relation === 'lead');
    expect(led).toMatchObject({ source: 'Omar Haddad', target: 'Northwind Robotics', validAt: '2024-01-01T00:00:00.000Z' });
    const news = extract(readFixture('globex-news.md'));
    expect(news.facts.find((fact) => fact.relation === 'join')).toMatchObject({
      source: 'Tomas Berg',
      target: 'Globex Logistics',
      validAt: '2023-03-01T00:00:00.000Z',
    });
    // "Berg previously worked at Siemens": the short name resolves to the full one in the document.
    expect(triples(news)).toContain('Tomas Berg -[work at]-> Siemens');
    expect(news.entities.map((entity) => entity.name)).not.toContain('Berg');
  });

  it('reads end dates and ranges', () => {
    expect(findDates('She ran the lab from 2010 to 2012.').map((date) => [date.iso.slice(0, 10), date.role])).toEqual([
      ['2010-01-01', 'start'],
      ['2012-01-01', 'end'],
    ]);
    expect(findDates('until March 2021')[0]).toMatchObject({ iso: '2021-03-01T00:00:00.000Z', role: 'end' });
    expect(findDates('It shipped 2500 units.')).toEqual([]);
    const bounded = extract('Lena Park led Orbital Labs until 2021.');
    expect(bounded.facts[0]).toMatchObject({ relation: 'lead', invalidAt: '2021-01-01T00:00:00.000Z' });
  });

  it('leaves out negated and hedged statements, and subjects that are not names', () => {
    const result = extract(
      'Quantum Freight did not acquire Blue Harbor. Quantum Freight may buy Kestrel Systems. ' +
        'Anna Kowalski said the deal doubles the fleet of Quantum Freight. Quantum Freight hired Anna Kowalski.',
    );
    const found = triples(result);
    expect(found).toContain('Quantum Freight -[hire]-> Anna Kowalski');
    expect(found.some((triple) => triple.includes('Blue Harbor'))).toBe(false);
    expect(found.some((triple) => triple.includes('Kestrel Systems'))).toBe(false);
    expect(found.some((triple) => triple.startsWith('Anna Kowalski -[double'))).toBe(false);
  });

  it('is deterministic', () => {
    expect(extract(readFixture('globex-news.md'))).toEqual(extract(readFixture('globex-news.md')));
  });
});
