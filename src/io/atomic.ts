/**
 * Atomic file replacement (DESIGN.md §7: every write is temp + rename).
 *
 * The bytes go to `<path>.<pid>.<random>.tmp` in the target's own directory (rename is only atomic
 * within one file system), are fsynced, and the temp file is renamed over `path`; then the
 * directory is fsynced so the rename itself survives a power cut. A reader therefore sees either
 * the old file or the complete new one, never a torn write. Node-only: imports `node:fs`.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import { dirname } from 'node:path';

/** Where the write was when it failed: decides how the error is explained. */
type Stage = 'open' | 'write' | 'rename';

function tempPathFor(path: string): string {
  return `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
}

function toBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}

/** Permission bits of an existing target, kept on the replacement; `null` if there is none. */
function existingMode(st: fs.Stats | undefined): number | null {
  return st && st.isFile() ? st.mode & 0o7777 : null;
}

function failure(path: string, stage: Stage, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const dir = dirname(path);
  let why: string;
  if (stage === 'open' && code === 'ENOENT') {
    why = `directory '${dir}' does not exist (create it first)`;
  } else if (stage === 'open' && code === 'ENOTDIR') {
    why = `'${dir}' is not a directory`;
  } else {
    why = err instanceof Error ? err.message : String(err);
  }
  return new Error(`cannot write '${path}': ${why}`, { cause: err });
}

/**
 * Replaces the file at `path` with `data` atomically: write a temp file in the same directory,
 * fsync it, rename it over `path`, fsync the directory (where the platform allows).
 *
 * On any failure the temp file is removed, `path` is left as it was, and an Error naming `path`
 * is thrown (the original error is its `cause`). The parent directory must already exist.
 * Strings are written as UTF-8. An existing target's permission bits are kept.
 *
 * @example
 * await writeFileAtomic('model.safetensors', encodeSafetensors(tensors));
 * await writeFileAtomic('config.json', JSON.stringify(config, null, 2));
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = tempPathFor(path);
  const mode = existingMode(await fsp.stat(path).catch(() => undefined));
  let stage: Stage = 'open';
  let fh: fsp.FileHandle | undefined;
  try {
    fh = await fsp.open(tmp, 'wx');
    stage = 'write';
    if (mode !== null) await fh.chmod(mode);
    const bytes = toBytes(data);
    for (let off = 0; off < bytes.byteLength; ) {
      const { bytesWritten } = await fh.write(bytes, off, bytes.byteLength - off);
      off += bytesWritten;
    }
    await fh.sync();
    await fh.close();
    fh = undefined;
    stage = 'rename';
    await fsp.rename(tmp, path);
  } catch (err) {
    await fh?.close().catch(() => {});
    if (stage !== 'open') await fsp.rm(tmp, { force: true }).catch(() => {});
    throw failure(path, stage, err);
  }
  await syncDir(dirname(path));
}

/**
 * Synchronous {@link writeFileAtomic}: same steps, same guarantees, same errors. For exit
 * handlers and CLIs where awaiting is impossible or pointless.
 *
 * @example
 * writeFileAtomicSync('checkpoint.json', JSON.stringify(state));
 */
export function writeFileAtomicSync(path: string, data: Uint8Array | string): void {
  const tmp = tempPathFor(path);
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(path);
  } catch {
    st = undefined;
  }
  const mode = existingMode(st);
  let stage: Stage = 'open';
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'wx');
    stage = 'write';
    if (mode !== null) fs.fchmodSync(fd, mode);
    const bytes = toBytes(data);
    for (let off = 0; off < bytes.byteLength; ) {
      off += fs.writeSync(fd, bytes, off, bytes.byteLength - off);
    }
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    stage = 'rename';
    fs.renameSync(tmp, path);
  } catch (err) {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        // Already failing; the original error is the one to report.
      }
    }
    if (stage !== 'open') {
      try {
        fs.rmSync(tmp, { force: true });
      } catch {
        // Same: keep the original error.
      }
    }
    throw failure(path, stage, err);
  }
  syncDirSync(dirname(path));
}

// Directory fsync makes the rename durable on POSIX; Windows cannot open a directory for it,
// and some file systems reject it (EINVAL). Both are fine to skip: the data itself is synced.
async function syncDir(dir: string): Promise<void> {
  let fh: fsp.FileHandle | undefined;
  try {
    fh = await fsp.open(dir, 'r');
    await fh.sync();
  } catch {
    // Not supported here.
  } finally {
    await fh?.close().catch(() => {});
  }
}

function syncDirSync(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Not supported here.
  } finally {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        // Nothing left to protect.
      }
    }
  }
}
