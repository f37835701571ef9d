// Errors are data: every configuration error carries a stable `code`.

export type ErrorCode =
  | 'ERR_STATIC_ORIGIN_INVALID_OPTION'
  | 'ERR_STATIC_ORIGIN_ROOT'
  | 'ERR_STATIC_ORIGIN_MANIFEST'
  | 'ERR_STATIC_ORIGIN_UNREADABLE'
  | 'ERR_STATIC_ORIGIN_UNKNOWN_NAME'
  | 'ERR_STATIC_ORIGIN_SOURCE'
  | 'ERR_STATIC_ORIGIN_MISSING_REFERENCE'
  | 'ERR_STATIC_ORIGIN_CONFIG'
  | 'ERR_STATIC_ORIGIN_ENCODING'
  | 'ERR_STATIC_ORIGIN_CHARSET';

export class StaticOriginError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StaticOriginError';
    this.code = code;
  }
}

/** A TypeError naming the option, for bad option values. */
export function optionError(option: string, expected: string, got: unknown): TypeError & { code: ErrorCode } {
  const err = new TypeError(`static-origin: option "${option}" must be ${expected}; got ${describe(got)}`) as TypeError & { code: ErrorCode };
  err.code = 'ERR_STATIC_ORIGIN_INVALID_OPTION';
  return err;
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof RegExp) return String(value);
  switch (typeof value) {
    case 'string': return JSON.stringify(value.length > 60 ? value.slice(0, 57) + '...' : value);
    case 'number': case 'boolean': case 'bigint': return String(value);
    case 'function': return 'a function';
    case 'undefined': return 'undefined';
    default: return `an ${typeof value}`;
  }
}
