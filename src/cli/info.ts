/** `recurrent info`: what this installation runs on. */
import { availableParallelism, arch, platform } from 'node:os';
import { VERSION, getBackend, getThreads, memoryInfo, nativeInfo, nativeLoadError, nativeThreads, threadsUnavailableReason } from '../index.js';
import { HELP_FLAG, getBool } from './args.js';
import { fmtBytes, jsonLine } from './io.js';
import type { Command } from './io.js';

export const infoCommand: Command = {
  name: 'info',
  summary: 'version, Node.js, compute backend, memory and cores',
  usage: 'info [--json]',
  details: 'The backend is chosen automatically (native when the add-on built at install loads, else wasm, else ref); set RECURRENT_BACKEND=ref|wasm|native|auto to override. Threads default to the cores; set RECURRENT_THREADS=N to override.',
  flags: [{ name: 'json', type: 'boolean', description: 'print one JSON line instead of text' }, HELP_FLAG],
  run: async (args, io) => {
    let backend: string;
    try {
      backend = getBackend();
    } catch (e) {
      backend = `unavailable (${(e as Error).message})`;
    }
    const mem = memoryInfo();
    const built = nativeInfo();
    const info = {
      version: VERSION,
      node: process.versions.node,
      platform: `${platform()}-${arch()}`,
      backend,
      native: built ? built.buildInfo : null,
      nativeUnavailable: built ? null : nativeLoadError(),
      sharedMemory: mem.shared,
      heapBytes: mem.bytes,
      cores: availableParallelism(),
      threads: getThreads(),
      nativeThreads: built ? nativeThreads() : null,
    };
    const why = info.threads === 1 ? threadsUnavailableReason() : '';
    if (getBool(args, 'json')) {
      jsonLine(io, { event: 'info', ...info });
      return 0;
    }
    const rows: [string, string][] = [
      ['recurrent', info.version],
      ['node', `${info.node} (${info.platform})`],
      ['backend', info.backend],
      ['native', built ? `add-on built (${built.buildInfo})` : `not available: ${info.nativeUnavailable} (npm run build:native)`],
      ['memory', `${info.sharedMemory ? 'shared' : 'not shared'} WebAssembly.Memory, ${fmtBytes(info.heapBytes)} reserved${info.sharedMemory ? '' : ' (threads unavailable)'}`],
      ['cores', String(info.cores)],
      [
        'threads',
        `${info.threads}${why ? ` (worker threads unavailable: ${why})` : ''} (setThreads() or RECURRENT_THREADS)${info.nativeThreads !== null && info.nativeThreads !== info.threads ? `; the native kernels use ${info.nativeThreads} (built without pthreads)` : info.nativeThreads !== null ? '; wasm workers and native pthreads alike' : ''}`,
      ],
    ];
    for (const [k, v] of rows) io.stdout.write(`${k.padEnd(10)} ${v}\n`);
    return 0;
  },
};
