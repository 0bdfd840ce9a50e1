/**
 * Bytes → text for the dataset loaders: UTF-8 (strict, with the line of the first bad byte),
 * Windows-1252 and Latin-1, all decoded by explicit tables so the result is the same in Node and
 * in browsers.
 *
 * Why not `TextDecoder('windows-1252')`: Node 20 (measured on v20.20.2) decodes bytes 0x80–0x9F
 * with it as the C1 controls U+0080–U+009F, i.e. as Latin-1, so MR's em dash (0x97) would come out
 * as U+0097; browsers follow the WHATWG table. And WHATWG maps the label 'latin1' to
 * windows-1252, so neither name gives true Latin-1 everywhere.
 */

/** Text encodings the loaders accept. */
export type TextEncodingName = 'utf8' | 'windows-1252' | 'latin1';

// WHATWG windows-1252 for bytes 0x80..0x9F (the five undefined bytes map to their C1 control).
const CP1252_80_9F = [
  0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d, 0x017d, 0x008f,
  0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178,
];

/**
 * Thrown for bytes that cannot be decoded; `line` is 1-based, or null for the whole file.
 *
 * @example
 * try { decodeText(bytes); } catch (e) { if (e instanceof DecodeError) console.log(e.line, e.reason); }
 */
export class DecodeError extends Error {
  constructor(
    readonly reason: string,
    readonly line: number | null,
  ) {
    super(reason);
    this.name = 'DecodeError';
  }
}

/**
 * Decodes a file's bytes. A UTF-8 byte-order mark is dropped. UTF-8 is strict: the first
 * invalid byte raises a {@link DecodeError} giving its line and suggesting another encoding. A
 * file that starts with a UTF-16 byte-order mark, or a UTF-8 one when a single-byte encoding was
 * asked for, is rejected rather than decoded into garbage.
 *
 * @example
 * decodeText(new Uint8Array([0x63, 0x61, 0x66, 0xe9]), 'windows-1252'); // 'café'
 * decodeText(new Uint8Array([0x97]), 'windows-1252');                   // '—'
 */
export function decodeText(bytes: Uint8Array, encoding: TextEncodingName = 'utf8'): string {
  const n = bytes.length;
  if (n >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) {
    throw new DecodeError('the file is UTF-16 (it starts with a UTF-16 byte-order mark); convert it to UTF-8', null);
  }
  const utf8Bom = n >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  if (encoding === 'utf8') {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes); // drops the BOM
    } catch {
      throw utf8Error(bytes);
    }
  }
  if (encoding !== 'windows-1252' && encoding !== 'latin1') {
    throw new DecodeError(`unknown encoding ${JSON.stringify(encoding)}; expected 'utf8', 'windows-1252' or 'latin1'`, null);
  }
  if (utf8Bom) throw new DecodeError(`the file starts with a UTF-8 byte-order mark but encoding '${encoding}' was asked for; use encoding: 'utf8'`, null);
  const table = encoding === 'windows-1252';
  const parts: string[] = [];
  const CHUNK = 8192;
  const codes = new Uint16Array(CHUNK);
  for (let p = 0; p < n; p += CHUNK) {
    const m = Math.min(CHUNK, n - p);
    for (let k = 0; k < m; k++) {
      const b = bytes[p + k]!;
      codes[k] = table && b >= 0x80 && b <= 0x9f ? CP1252_80_9F[b - 0x80]! : b;
    }
    parts.push(String.fromCharCode.apply(null, codes.subarray(0, m) as unknown as number[]));
  }
  return parts.join('');
}

/** Locates the first invalid UTF-8 sequence (only called once decoding has failed). */
function utf8Error(bytes: Uint8Array): DecodeError {
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const n = bytes.length;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) {
      if (b === 0x0a) {
        line++;
        lineStart = i + 1;
      }
      i++;
      continue;
    }
    const len = b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    let ok = len > 0 && i + len <= n;
    for (let k = 1; ok && k < len; k++) ok = (bytes[i + k]! & 0xc0) === 0x80;
    if (ok && len === 3) {
      const b1 = bytes[i + 1]!;
      ok = !(b === 0xe0 && b1 < 0xa0) && !(b === 0xed && b1 >= 0xa0); // overlong, surrogate
    }
    if (ok && len === 4) {
      const b1 = bytes[i + 1]!;
      ok = !(b === 0xf0 && b1 < 0x90) && !(b === 0xf4 && b1 >= 0x90); // overlong, > U+10FFFF
    }
    if (!ok) {
      const hex = b.toString(16).toUpperCase().padStart(2, '0');
      const hint =
        b >= 0x80 && b <= 0x9f
          ? "; the file is probably Windows-1252: pass encoding: 'windows-1252'"
          : "; if the file is not UTF-8, pass encoding: 'windows-1252' or 'latin1'";
      return new DecodeError(`invalid UTF-8: byte 0x${hex} at byte ${i - lineStart + 1} of the line${hint}`, line);
    }
    i += len;
  }
  return new DecodeError('invalid UTF-8', null);
}
