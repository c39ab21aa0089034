/** The one error the RDB reader, loader and writer raise: malformed, truncated or unsupported RDB content. */

/** `message` follows Redis's wording (rdb.c); `offset` is where in the stream the failing item started, if known. */
export class RdbError extends Error {
  override name = 'RdbError';
  constructor(message: string, public offset?: number) {
    super(message);
  }
}
