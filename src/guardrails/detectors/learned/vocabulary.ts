/**
 * A common-word table for the "does this read like language?" cue features of the prompt-attack
 * classifier: one bit per hashed lower-case word, set for the words that ordinary (benign) text
 * uses, learned at training time and stored in the model file (16 KB of bits, base64). An
 * adversarial suffix (GCG and its kin) is a run of fragments no benign text uses ("bere",
 * "correctedilde", "compressToString"); prose, even from a source never seen, mostly is not.
 *
 * Looked up by the token hash the tokeniser already computed, so the cue scan pays one bit test
 * per word and no pass over the characters. A word that is not in the table shares its bit with
 * a known one about 1 time in 20: the cue reads runs of words, so that blurs it a little, no more.
 */

export const VOCABULARY_BITS = 17;
const SLOTS = 1 << VOCABULARY_BITS;

/** Slot of a word hash (tokens.ts `lower`): the hash's bits are remixed, as it is FNV. */
function slotOf(h: number): number {
  return Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> (32 - VOCABULARY_BITS);
}

export class WordTable {
  private constructor(private readonly bits: Uint32Array) {}

  static fromHashes(hashes: Iterable<number>): WordTable {
    const bits = new Uint32Array(SLOTS >>> 5);
    for (const h of hashes) {
      const k = slotOf(h);
      bits[k >>> 5] |= 1 << (k & 31);
    }
    return new WordTable(bits);
  }

  /** The table as stored in a model file's header; throws on a table of another size. */
  static decode(b64: string): WordTable {
    const buf = Buffer.from(b64, 'base64');
    if (buf.length !== SLOTS >>> 3) throw new Error(`word table: ${buf.length} bytes, expected ${SLOTS >>> 3}`);
    const bits = new Uint32Array(SLOTS >>> 5);
    for (let i = 0; i < bits.length; i++) bits[i] = buf.readUInt32LE(i * 4);
    return new WordTable(bits);
  }

  encode(): string {
    const buf = Buffer.alloc(this.bits.length * 4);
    for (let i = 0; i < this.bits.length; i++) buf.writeUInt32LE(this.bits[i], i * 4);
    return buf.toString('base64');
  }

  has(h: number): boolean {
    const k = slotOf(h);
    return ((this.bits[k >>> 5] >>> (k & 31)) & 1) !== 0;
  }
}
