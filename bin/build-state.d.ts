export const compiledEntry: URL;
export function buildState(): 'missing' | 'stale' | 'current';
