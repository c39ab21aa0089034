// Node's Buffer has had these fast, encoding-specific methods since v0.x; @types/node does not declare them.
// Keys and values are held as latin1 strings (one char per byte), so these are the hot-path converters.
declare global {
  interface Buffer {
    latin1Slice(start?: number, end?: number): string;
    latin1Write(string: string, offset?: number, length?: number): number;
    asciiWrite(string: string, offset?: number, length?: number): number;
  }
}
export {};
