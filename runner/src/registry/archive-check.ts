// A tar archive checked as its bytes go by, so that writing a snapshot, verifying one
// and restoring one each read the archive once: the same pass that hashes it walks its
// structure. Pure: it is fed chunks and answers at the end.
//
// What it checks is what makes `tar --list` succeed on an archive GNU tar wrote: every
// header's checksum, a size readable in octal or base-256, whole 512-byte blocks, the
// end-of-archive marker (a zero block; GNU tar writes two and pads the record with
// zeros), and nothing but zeros after it. It counts the entries it passed (GNU long-name
// and pax headers describe the next entry and are not counted).
const BLOCK = 512;

export class ArchiveFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArchiveFormatError';
  }
}

export interface ArchiveSummary {
  /** Members: files, directories, links, … */
  entries: number;
  /** Bytes seen in all. */
  bytes: number;
}

function isZeroBlock(block: Uint8Array): boolean {
  for (let i = 0; i < block.length; i += 1) if (block[i] !== 0) return false;
  return true;
}

/** Octal (NUL- or space-terminated) or, with the high bit set, GNU base-256. */
function readNumber(block: Uint8Array, offset: number, length: number, what: string): number {
  const first = block[offset] as number;
  if (first & 0x80) {
    if (first & 0x40) throw new ArchiveFormatError(`a header holds a negative ${what}`);
    let value = first & 0x3f;
    for (let i = 1; i < length; i += 1) value = value * 256 + (block[offset + i] as number);
    if (!Number.isSafeInteger(value)) throw new ArchiveFormatError(`a header's ${what} is too large`);
    return value;
  }
  let text = '';
  for (let i = 0; i < length; i += 1) {
    const c = block[offset + i] as number;
    if (c === 0) break;
    text += String.fromCharCode(c);
  }
  text = text.trim();
  if (!/^[0-7]*$/.test(text)) throw new ArchiveFormatError(`a header's ${what} is not a number (${JSON.stringify(text)})`);
  return text === '' ? 0 : parseInt(text, 8);
}

function checksumMatches(block: Uint8Array): boolean {
  const stored = readNumber(block, 148, 8, 'checksum');
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i += 1) {
    const c = i >= 148 && i < 156 ? 0x20 : (block[i] as number);
    unsigned += c;
    signed += c > 127 ? c - 256 : c;
  }
  return stored === unsigned || stored === signed;
}

function hasTarMagic(block: Uint8Array): boolean {
  const magic = String.fromCharCode(...block.subarray(257, 263));
  // POSIX "ustar\0" or GNU "ustar  \0" (the version field follows).
  return magic === 'ustar\0' || magic === 'ustar ';
}

/** Types whose entry describes the next member rather than being one. */
const META_TYPES = new Set(['L', 'K', 'x', 'g']);

export class ArchiveChecker {
  private pending: Uint8Array = new Uint8Array(0);
  /** Data bytes of the current member still to skip (a multiple of 512 once rounded). */
  private skip = 0;
  /** GNU sparse: extension header blocks still to come before the data, and that data's length. */
  private sparseExtension = false;
  private sparseData = 0;
  private ended = false;
  private entries = 0;
  private bytes = 0;

  push(chunk: Uint8Array): void {
    this.bytes += chunk.length;
    let data = chunk;
    if (this.pending.length > 0) {
      const joined = new Uint8Array(this.pending.length + chunk.length);
      joined.set(this.pending);
      joined.set(chunk, this.pending.length);
      data = joined;
      this.pending = new Uint8Array(0);
    }
    let offset = 0;
    while (offset < data.length) {
      if (this.skip > 0) {
        const take = Math.min(this.skip, data.length - offset);
        this.skip -= take;
        offset += take;
        continue;
      }
      if (data.length - offset < BLOCK) {
        this.pending = data.slice(offset);
        return;
      }
      this.block(data.subarray(offset, offset + BLOCK));
      offset += BLOCK;
    }
  }

  private block(block: Uint8Array): void {
    if (this.ended) {
      if (!isZeroBlock(block)) throw new ArchiveFormatError('data after the end-of-archive marker');
      return;
    }
    if (this.sparseExtension) {
      this.sparseExtension = block[504] !== 0;
      if (!this.sparseExtension) this.skip = this.sparseData;
      return;
    }
    if (isZeroBlock(block)) {
      this.ended = true;
      return;
    }
    if (!hasTarMagic(block)) throw new ArchiveFormatError(`no tar header where member ${this.entries + 1} should start`);
    if (!checksumMatches(block)) throw new ArchiveFormatError(`the header of member ${this.entries + 1} fails its checksum`);
    const type = String.fromCharCode(block[156] as number);
    const size = readNumber(block, 124, 12, 'size');
    // Links, directories and devices carry no data whatever their size field says.
    const carriesData = !['1', '2', '3', '4', '5', '6'].includes(type);
    if (!META_TYPES.has(type)) this.entries += 1;
    const dataBlocks = carriesData ? Math.ceil(size / BLOCK) * BLOCK : 0;
    if (type === 'S' && block[482] !== 0) {
      this.sparseExtension = true;
      this.sparseData = dataBlocks;
    } else this.skip = dataBlocks;
  }

  /** The summary, once every byte has been pushed; throws if the archive is not whole. */
  finish(): ArchiveSummary {
    if (this.pending.length > 0 || this.skip > 0 || this.sparseExtension) throw new ArchiveFormatError('the archive is cut off inside a member');
    if (!this.ended) throw new ArchiveFormatError('the archive ends without its end-of-archive marker');
    return { entries: this.entries, bytes: this.bytes };
  }
}
