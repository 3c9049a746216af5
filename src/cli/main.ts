// `ragspace …` entry point.
import { buildProgram } from './program.ts';

// Like PostgreSQL's postmaster: whatever the user's umask, what ragspace creates in its data
// directory (PGlite's files, the socket, keys) is its owner's alone (ARCHITECTURE.md invariant 10).
process.umask(0o077);

await buildProgram().parseAsync(process.argv);
