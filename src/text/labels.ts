/**
 * Class labels ↔ class ids.
 *
 * Labels are read from files as strings ("pos", "neg", "0", "4"). The classes are sorted so the
 * mapping depends only on the set of labels, never on their order in the file: numerically when
 * every label is a decimal number ("2" before "10"), otherwise by string order (JavaScript `<`).
 * The mapping is saved next to the vocabulary in the model file (`toJSON()`), so predictions map
 * back to the same names.
 */

const NUMERIC_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Serialized {@link LabelEncoder}. */
export interface LabelEncoderJSON {
  type: 'labels';
  /** Class names, index = class id. */
  classes: string[];
}

/**
 * Maps string (or numeric) labels to class ids 0..C−1.
 *
 * @example
 * const enc = LabelEncoder.fit(['pos', 'neg', 'pos']);
 * enc.classes;                  // ['neg', 'pos']
 * enc.encode(['pos', 'neg']);   // Int32Array [1, 0]
 * enc.decode([0]);              // ['neg']
 * LabelEncoder.fit(['10', '2', '1']).classes; // ['1', '2', '10']
 */
export class LabelEncoder {
  /** Class names, index = class id. */
  readonly classes: readonly string[];
  private readonly index: Map<string, number>;

  private constructor(classes: string[]) {
    this.classes = classes;
    this.index = new Map(classes.map((c, i) => [c, i]));
  }

  /** Number of classes. */
  get size(): number {
    return this.classes.length;
  }

  /** Collects the distinct labels and sorts them (see the file header). Numbers are converted with `String`. */
  static fit(labels: Iterable<string | number>): LabelEncoder {
    const set = new Set<string>();
    for (const l of labels) set.add(labelString(l, 'LabelEncoder.fit'));
    if (set.size === 0) throw new Error('LabelEncoder.fit: no labels');
    return new LabelEncoder(sortLabels([...set]));
  }

  /** An encoder with exactly these classes, in this order. */
  static fromClasses(classes: readonly string[]): LabelEncoder {
    return LabelEncoder.fromJSON({ type: 'labels', classes: [...classes] });
  }

  /** Class id of each label; throws on a label the encoder has not seen, listing the known ones. */
  encode(labels: Iterable<string | number>): Int32Array {
    const out: number[] = [];
    let i = 0;
    for (const l of labels) {
      const s = labelString(l, 'LabelEncoder.encode');
      const id = this.index.get(s);
      if (id === undefined) {
        const shown = this.classes.slice(0, 20).map((c) => JSON.stringify(c)).join(', ');
        throw new Error(`LabelEncoder.encode: unknown label ${JSON.stringify(s)} at position ${i}; known labels: ${shown}${this.classes.length > 20 ? ', ...' : ''}`);
      }
      out.push(id);
      i++;
    }
    return Int32Array.from(out);
  }

  /** Class names of `ids`. */
  decode(ids: ArrayLike<number>): string[] {
    const out: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      const c = this.classes[ids[i]!];
      if (c === undefined || !Number.isInteger(ids[i])) throw new Error(`LabelEncoder.decode: class id ${ids[i]} at position ${i} is outside 0..${this.classes.length - 1}`);
      out.push(c);
    }
    return out;
  }

  toJSON(): LabelEncoderJSON {
    return { type: 'labels', classes: [...this.classes] };
  }

  /** Rebuilds an encoder from {@link LabelEncoder.toJSON}'s output (the class order is kept as saved). */
  static fromJSON(json: unknown): LabelEncoder {
    const o = json as Partial<LabelEncoderJSON> | null;
    if (typeof o !== 'object' || o === null || o.type !== 'labels') throw new Error('LabelEncoder.fromJSON: expected an object with type "labels"');
    const c = o.classes;
    if (!Array.isArray(c) || c.length === 0 || c.some((x) => typeof x !== 'string') || new Set(c).size !== c.length) {
      throw new Error('LabelEncoder.fromJSON: classes must be a non-empty list of distinct strings');
    }
    return new LabelEncoder([...c]);
  }
}

function labelString(l: unknown, where: string): string {
  if (typeof l === 'string') return l;
  if (typeof l === 'number' && Number.isFinite(l)) return String(l);
  throw new Error(`${where}: labels must be strings or finite numbers, got ${typeof l === 'number' ? l : typeof l}`);
}

function sortLabels(labels: string[]): string[] {
  if (labels.every((l) => NUMERIC_RE.test(l))) {
    // Numeric order; equal values written differently ("1", "1.0") fall back to string order.
    return labels.sort((a, b) => Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0));
  }
  return labels.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
