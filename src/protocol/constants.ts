/** FastCGI 1.0 constants, as the specification names them. */
export const FCGI_VERSION_1 = 1;
export const FCGI_HEADER_LEN = 8;
/** contentLength is 16 bits: a stream is split into records of at most this many bytes. */
export const FCGI_MAX_CONTENT_LEN = 0xffff;
export const FCGI_NULL_REQUEST_ID = 0;

export const RecordType = {
  BEGIN_REQUEST: 1,
  ABORT_REQUEST: 2,
  END_REQUEST: 3,
  PARAMS: 4,
  STDIN: 5,
  STDOUT: 6,
  STDERR: 7,
  DATA: 8,
  GET_VALUES: 9,
  GET_VALUES_RESULT: 10,
  UNKNOWN_TYPE: 11,
} as const;
export type RecordTypeName = keyof typeof RecordType;

const RECORD_TYPE_NAMES = new Map<number, RecordTypeName>(
  Object.entries(RecordType).map(([name, value]) => [value, name as RecordTypeName]),
);

export function recordTypeName(type: number): string {
  return RECORD_TYPE_NAMES.get(type) ?? `type ${type}`;
}

export const Role = {
  RESPONDER: 1,
  AUTHORIZER: 2,
  FILTER: 3,
} as const;

/** flags of FCGI_BeginRequestBody */
export const FCGI_KEEP_CONN = 1;

export const ProtocolStatus = {
  REQUEST_COMPLETE: 0,
  CANT_MPX_CONN: 1,
  OVERLOADED: 2,
  UNKNOWN_ROLE: 3,
} as const;

export function protocolStatusName(status: number): string {
  for (const [name, value] of Object.entries(ProtocolStatus)) if (value === status) return name;
  return `status ${status}`;
}

/** The management variables a GET_VALUES record may ask for. */
export const MANAGEMENT_VARIABLES = ['FCGI_MAX_CONNS', 'FCGI_MAX_REQS', 'FCGI_MPXS_CONNS'] as const;
