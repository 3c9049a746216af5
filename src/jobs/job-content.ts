// A background upload's bytes as its job row keeps them (sql/702_compressed_job_uploads.sql):
// gzip at its fastest level. zlib runs on libuv's thread pool, so neither the event loop nor an
// open transaction waits for it; callers pack before the enqueueing transaction and unpack after
// the claiming one.
import { promisify } from 'node:util';
import { constants, gunzip, gzip } from 'node:zlib';

export type JobContentEncoding = 'identity' | 'gzip';

const compress = promisify(gzip);
const expand = promisify(gunzip);

/** The bytes to store, and how they are encoded. */
export async function packJobContent(bytes: Uint8Array): Promise<{ content: Buffer; encoding: JobContentEncoding }> {
  return { content: await compress(bytes, { level: constants.Z_BEST_SPEED }), encoding: 'gzip' };
}

/** The upload's original bytes from what the row holds. */
export async function unpackJobContent(content: Uint8Array, encoding: JobContentEncoding): Promise<Buffer> {
  const stored = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  return encoding === 'gzip' ? expand(stored) : stored;
}
