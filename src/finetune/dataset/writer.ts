/**
 * @file Writes JSON Lines files in order, buffering lines so that large sets need few writes.
 * Output is byte-for-byte a function of the records, which the same-seed test relies on.
 */
import { open, type FileHandle } from 'node:fs/promises';

const FLUSH_BYTES = 1 << 20;

/** An append-only JSONL file. */
export class JsonlWriter {
  private buffer: string[] = [];
  private size = 0;

  private constructor(private readonly handle: FileHandle) {}

  /** Creates (or truncates) `path`. */
  static async create(path: string): Promise<JsonlWriter> {
    return new JsonlWriter(await open(path, 'w'));
  }

  /** Appends one record. */
  async write(record: unknown): Promise<void> {
    const line = `${JSON.stringify(record)}\n`;
    this.buffer.push(line);
    this.size += line.length;
    if (this.size >= FLUSH_BYTES) await this.flush();
  }

  /** Writes what is buffered and closes the file. */
  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await this.handle.close();
    }
  }

  private async flush(): Promise<void> {
    const text = this.buffer.join('');
    this.buffer = [];
    this.size = 0;
    if (text !== '') await this.handle.write(text);
  }
}
