// Errors are data: every configuration error carries a stable `code`, and each code is
// always thrown by the same class: a bad option value is a `TypeError`
// (ERR_STATIC_ORIGIN_INVALID_OPTION), everything else a `StaticOriginError`.

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
  | 'ERR_STATIC_ORIGIN_CHARSET'
  | 'ERR_STATIC_ORIGIN_WRITE';

/** The codes a `StaticOriginError` carries: all but a bad option value, which is a TypeError. */
export type StaticOriginErrorCode = Exclude<ErrorCode, 'ERR_STATIC_ORIGIN_INVALID_OPTION'>;

export class StaticOriginError extends Error {
  readonly code: StaticOriginErrorCode;
  constructor(code: StaticOriginErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StaticOriginError';
    this.code = code;
  }
}

/** A TypeError naming the option, for bad option values. */
export function optionError(option: string, expected: string, got: unknown): TypeError & { code: ErrorCode } {
  return invalidOption(`static-origin: option "${option}" must be ${expected}; got ${describe(got)}`);
}

/** The one shape of ERR_STATIC_ORIGIN_INVALID_OPTION: a TypeError with that code. */
export function invalidOption(message: string, cause?: unknown): TypeError & { code: ErrorCode } {
  const err = new TypeError(message, cause === undefined ? undefined : { cause }) as TypeError & { code: ErrorCode };
  err.code = 'ERR_STATIC_ORIGIN_INVALID_OPTION';
  return err;
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof RegExp) return String(value);
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value.length > 60 ? value.slice(0, 57) + '...' : value);
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'function':
      return 'a function';
    case 'undefined':
      return 'undefined';
    default:
      return `an ${typeof value}`;
  }
}
