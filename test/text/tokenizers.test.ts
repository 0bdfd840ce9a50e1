import { describe, expect, it } from 'vitest';
import { CharTokenizer, tokenizerFromJSON, WordTokenizer } from '../../src/text/tokenizers.js';

describe('WordTokenizer', () => {
  const tok = new WordTokenizer();

  it.each([
    ["Don't panic — it's only 3.5 stars!", ['do', "n't", 'panic', '—', 'it', "'s", 'only', '3.5', 'stars', '!']],
    ["She'll've gone; I'm sure. Can't/won't?", ['she', "'ll", "'ve", 'gone', ';', 'i', "'m", 'sure', '.', 'ca', "n't", '/', 'wo', "n't", '?']],
    ["we'd they're you've ain't isn't", ['we', "'d", 'they', "'re", 'you', "'ve", 'ai', "n't", 'is', "n't"]],
    ['The film’s ending doesn’t work', ['the', 'film', "'s", 'ending', 'does', "n't", 'work']],
    ["rock'n'roll at o'clock, the students' film", ["rock'n'roll", 'at', "o'clock", ',', 'the', 'students', "'", 'film']],
  ])('splits contractions and punctuation PTB-style: %s', (text, expected) => {
    expect(tok.tokenize(text)).toEqual(expected);
  });

  it('keeps letters of every script, accents and combining marks inside words', () => {
    expect(tok.tokenize('Café NAÏVE Москва Ελλάδα São-Paulo ٣٤ हिन्दी')).toEqual(['café', 'naïve', 'москва', 'ελλάδα', 'são-paulo', '٣٤', 'हिन्दी']);
    // A decomposed é (e + U+0301) is normalized to the composed form first.
    expect(tok.tokenize('cafe\u0301')).toEqual(['café']);
    expect(new WordTokenizer({ normalize: 'none' }).tokenize('cafe\u0301')).toEqual(['cafe\u0301']);
  });

  it('gives each Han ideograph its own token, as BERT does', () => {
    expect(tok.tokenize('我爱电影 ok')).toEqual(['我', '爱', '电', '影', 'ok']);
  });

  it('keeps emoji sequences whole: skin tones, ZWJ families, flags, keycaps', () => {
    expect(tok.tokenize('great👍🏽 👨‍👩‍👧 🇫🇷 1️⃣ ❤️!!')).toEqual(['great', '👍🏽', '👨‍👩‍👧', '🇫🇷', '1️⃣', '❤️', '!!']);
  });

  it('handles numbers: separators, ordinals, decades; optional <num> token', () => {
    expect(tok.tokenize('1,000 3.14 12:30 1/2 1930s 2nd 42.')).toEqual(['1,000', '3.14', '12:30', '1/2', '1930s', '2nd', '42', '.']);
    const num = new WordTokenizer({ numbers: 'token', lower: false });
    expect(num.tokenize('Paid 1,000 € for 3 DVDs in the 1990s')).toEqual(['Paid', '<num>', '€', 'for', '<num>', 'DVDs', 'in', 'the', '1990s']);
    expect(new WordTokenizer({ numbers: 'token', numberToken: '#' }).tokenize('7 up')).toEqual(['#', 'up']);
  });

  it('groups runs of one punctuation character', () => {
    expect(tok.tokenize('wait... what?!-- (really)')).toEqual(['wait', '...', 'what', '?', '!', '--', '(', 'really', ')']);
  });

  it('options: no lower-casing, no contraction split, no punctuation split, HTML stripping', () => {
    expect(new WordTokenizer({ lower: false }).tokenize("DON'T")).toEqual(['DO', "N'T"]);
    expect(new WordTokenizer({ splitContractions: false }).tokenize("don't stop")).toEqual(["don't", 'stop']);
    expect(new WordTokenizer({ splitPunctuation: false }).tokenize(' a -lrb- b -rrb- ,  c. ')).toEqual(['a', '-lrb-', 'b', '-rrb-', ',', 'c.']);
    expect(new WordTokenizer({ stripHtml: true }).tokenize('Good.<br /><br />Bad <i>film</i> 3 < 4')).toEqual(['good', '.', 'bad', 'film', '3', '<', '4']);
  });

  it('re-tokenizing PTB-tokenized text (SST/MR style) is the identity', () => {
    const ptb = "it 's a film that wo n't sit still , and you 'll love it ... i 'm sure";
    expect(tok.tokenize(ptb)).toEqual(ptb.split(' '));
    const first = tok.tokenize("It's the year's best-kept secret, isn't it? I'd say so!");
    expect(tok.tokenize(first.join(' '))).toEqual(first);
  });

  it('returns nothing for empty or blank text', () => {
    expect(tok.tokenize('')).toEqual([]);
    expect(tok.tokenize(' \n\t ')).toEqual([]);
  });

  it('round-trips through JSON and rejects bad options', () => {
    const t = new WordTokenizer({ lower: false, numbers: 'token', stripHtml: true });
    const back = tokenizerFromJSON(JSON.parse(JSON.stringify(t.toJSON())));
    expect(back).toBeInstanceOf(WordTokenizer);
    expect(back.toJSON()).toEqual(t.toJSON());
    expect(() => new WordTokenizer({ numbers: 'drop' as never })).toThrow(/numbers must be 'keep' or 'token', got "drop"/);
    expect(() => tok.tokenize(undefined as never)).toThrow('WordTokenizer.tokenize: expected a string, got undefined');
    expect(() => tokenizerFromJSON({ type: 'sentencepiece' })).toThrow(/expected type "char", "word" or "bpe", got "sentencepiece"/);
  });
});

describe('CharTokenizer', () => {
  it('splits into code points, keeping whitespace; astral characters are one token', () => {
    expect(new CharTokenizer().tokenize('né 👍')).toEqual(['n', 'é', ' ', '👍']);
    expect(new CharTokenizer().tokenize('e\u0301')).toEqual(['é']);
  });

  it('grapheme mode keeps user-perceived characters whole', () => {
    const g = new CharTokenizer({ unit: 'grapheme', normalize: 'none' });
    expect(g.tokenize('👨‍👩‍👧e\u0301🇫🇷')).toEqual(['👨‍👩‍👧', 'e\u0301', '🇫🇷']);
  });

  it('lower-cases on request, detokenizes and round-trips through JSON', () => {
    const c = new CharTokenizer({ lower: true });
    expect(c.tokenize('ÀB')).toEqual(['à', 'b']);
    expect(c.detokenize(c.tokenize('Hello, World'))).toBe('hello, world');
    expect(tokenizerFromJSON(c.toJSON()).toJSON()).toEqual(c.toJSON());
    expect(() => new CharTokenizer({ unit: 'byte' as never })).toThrow(/unit must be 'codepoint' or 'grapheme'/);
  });
});
