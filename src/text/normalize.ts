/** Unicode normalization shared by the tokenizers. */

/** Unicode normalization applied before tokenizing; `'none'` keeps the text as given. */
export type Normalization = 'NFC' | 'NFKC' | 'none';

/**
 * Applies a normalization form (`'none'` returns `text` unchanged).
 *
 * @example
 * normalizeText('e\u0301', 'NFC'); // 'é' (one code point)
 */
export function normalizeText(text: string, form: Normalization): string {
  return form === 'none' ? text : text.normalize(form);
}

/**
 * Validates a `normalize` option at a public boundary; `where` names the caller in the message.
 *
 * @example
 * checkNormalization('MyTokenizer', options.normalize ?? 'NFC'); // 'NFC' | 'NFKC' | 'none', or throws
 */
export function checkNormalization(where: string, v: unknown): Normalization {
  if (v === 'NFC' || v === 'NFKC' || v === 'none') return v;
  throw new Error(`${where}: normalize must be 'NFC', 'NFKC' or 'none', got ${JSON.stringify(v)}`);
}
