import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

/**
 * The workplace's shared data sets: `$RECURRENT_DATA`, else `../shared/data` beside the repository
 * (where CI puts its copy of shared/). Tests that need them skip with a message when absent.
 */
export const SHARED_DATA: string =
  process.env.RECURRENT_DATA ?? resolve(fileURLToPath(new URL('../../', import.meta.url)), '../shared/data');

/** True when the shared data folder exists. */
export const HAVE_SHARED_DATA: boolean = existsSync(SHARED_DATA);
