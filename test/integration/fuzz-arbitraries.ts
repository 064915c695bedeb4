/**
 * Generators of API requests, valid and hostile, for the fuzz suite
 * (test/integration/fuzz.test.ts) and the bench's fuzz figures (scripts/bench/fuzz.ts).
 *
 * Every generated value is a {@link FuzzRequest}: the handler it targets (an id of
 * lib/catalogue.ts), its raw HTTP input (query string, body text, content type, path
 * id) and what the contract requires of the answer (`expect`): a 2xx for a valid
 * request, or a status and the field paths that a 400 must name for a request that
 * was broken on purpose. Requests without `expect` (a lone surrogate in a name, a
 * `null` optional field) are held to the generic properties only. A request prints
 * as one line in counterexamples ({@link describeRequest}), however large its body.
 *
 * Bodies are built as plain objects and serialized by {@link toJson}, which splices
 * {@link Raw} fragments in verbatim: nesting thousands of levels deep, `1e400`.
 * Unknown keys such as `__proto__` are own properties, as JSON.parse makes them.
 * Pure: no handler is imported here (the bench imports it before the environment exists).
 */
import fc from 'fast-check';

/** The seed of every fuzz run: the suite's and the bench's figures are reproducible. */
export const FUZZ_SEED = 20_261_202;

/** The route handler a request goes to (lib/catalogue.ts, by route id in lower camel case). */
export type Op =
  | 'ingestEvents' | 'listEvents' | 'getEvent' | 'listAccessLogs' | 'getSettings' | 'putSettings'
  | 'createToken' | 'listTokens' | 'revokeToken' | 'createExport' | 'listExports' | 'getExport';

/** What the contract requires of the answer, beyond the properties every answer has. */
export interface Expectation {
  /** A 2xx answer: the request is valid. */
  readonly ok?: boolean;
  /** The allowed statuses. */
  readonly status?: readonly number[];
  /**
   * Paths a 400 must name: at least one of them (when several things are wrong, a check may stop
   * before reaching the others), and nothing outside them and `allowed`.
   */
  readonly paths?: readonly string[];
  /** Paths a 400 may name besides `paths`: fields the request made doubtful (a `null`, a lone surrogate). */
  readonly allowed?: readonly string[];
}

/** An id of something this run created (resolved when sent; a random id while there is none). */
export interface KnownId {
  readonly known: 'event' | 'token' | 'export';
  readonly pick: number;
}

/** One generated request. */
export interface FuzzRequest {
  readonly op: Op;
  /** What was generated, in a few words (counterexamples, the bench's examples). */
  readonly label: string;
  /** Raw query string, without `?`. */
  readonly query?: string;
  /** Body text (or base64 of the body bytes when `base64`). */
  readonly body?: string;
  readonly base64?: boolean;
  /** `content-type` header; absent: none sent. */
  readonly contentType?: string;
  /** `{id}` path parameter. */
  readonly pathId?: string | KnownId;
  readonly expect?: Expectation;
  /** Client-supplied ids of the events in an ingest body: none may be stored when the body is rejected. */
  readonly eventIds?: readonly string[];
}

/** What the generators need to know about the stack and the clock. */
export interface FuzzContext {
  /** Clock for timestamps: valid `occurredAt`s lie in the two days before it. */
  readonly now: number;
  /** The stack's MaxRetentionDays (a larger retention override is a 400). */
  readonly maxRetentionDays: number;
}

// ---------------------------------------------------------------------------
// JSON with verbatim fragments

/** A JSON text spliced verbatim into {@link toJson}'s output where a value is expected. */
export class Raw {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text.length > 60 ? `Raw(${this.text.slice(0, 24)}…${this.text.length} chars)` : `Raw(${this.text})`;
  }
}

const MARK = '\u0001raw\u0001';

/** `JSON.stringify` with {@link Raw} fragments inserted as is. */
export function toJson(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_key, v: unknown) => (v instanceof Raw ? `${MARK}${raws.push(v.text) - 1}` : v));
  return raws.length ? text.replace(/"\\u0001raw\\u0001(\d+)"/g, (_m, i: string) => raws[Number(i)]!) : text;
}

export type Shape = 'array' | 'object' | 'mixed';

const deepTexts = new Map<string, string>();

/** JSON nested `depth` levels deep (`[[[…1…]]]`, `{"a":{"a":…}}` or alternating), as text: no recursion builds it. */
export function deepJson(depth: number, shape: Shape): string {
  const key = `${shape}${depth}`;
  let text = deepTexts.get(key);
  if (text === undefined) deepTexts.set(key, (text = buildDeepJson(depth, shape)));
  return text;
}

function buildDeepJson(depth: number, shape: Shape): string {
  const open: string[] = [];
  const close: string[] = [];
  for (let i = 0; i < depth; i++) {
    const array = shape === 'array' || (shape === 'mixed' && i % 2 === 1);
    open.push(array ? '[' : '{"a":');
    close.push(array ? ']' : '}');
  }
  return `${open.join('')}1${close.reverse().join('')}`;
}

type Obj = Record<string, unknown>;

/** Sets `key` as an own enumerable property, `__proto__` included (an assignment would set the prototype). */
function put(o: Obj, key: string, value: unknown): Obj {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
  return o;
}

const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Raw);

/** Deep copy of a generated body (plain data and Raw fragments only). */
function clone<T>(x: T): T {
  if (x instanceof Raw) return x;
  if (Array.isArray(x)) return x.map(clone) as T;
  if (isObj(x)) {
    const out: Obj = {};
    for (const [k, v] of Object.entries(x)) put(out, k, clone(v));
    return out as T;
  }
  return x;
}

/** `(prefix, 'actor.id')` → `events[3].actor.id`. */
const under = (prefix: string, path: string): string => (!prefix ? path : !path ? prefix : `${prefix}.${path}`);

/** Describes a request in one line (its body by size, not content). */
export function describeRequest(r: FuzzRequest): string {
  const q = r.query === undefined ? '' : ` ?${r.query.length > 160 ? `${r.query.slice(0, 160)}…(${r.query.length} chars)` : r.query}`;
  const b = r.body === undefined ? '' : ` body ${r.body.length > 200 ? `${JSON.stringify(r.body.slice(0, 200))}…(${r.body.length} chars)` : JSON.stringify(r.body)}`;
  const id = r.pathId === undefined ? '' : ` id=${typeof r.pathId === 'string' ? JSON.stringify(r.pathId.length > 80 ? `${r.pathId.slice(0, 80)}…(${r.pathId.length})` : r.pathId) : `known ${r.pathId.known} #${r.pathId.pick}`}`;
  return `${r.op} [${r.label}]${id}${q}${b}${r.contentType === undefined ? '' : ` (${r.contentType})`}${r.base64 ? ' (base64)' : ''}`;
}

/** Adds the one-line description fast-check prints for counterexamples. */
function request(r: FuzzRequest): FuzzRequest {
  return Object.defineProperty({ ...r }, fc.toStringMethod, { value: () => describeRequest(r), enumerable: false });
}

/**
 * Where `path` (`events[3].actor.id`, keys with dots allowed) leads in `root`: `present`, `missing`
 * (only its last step is absent: a required field left out) or `nowhere`.
 */
export function locate(root: unknown, path: string): 'present' | 'missing' | 'nowhere' {
  let cur = root;
  let rest = path;
  while (rest) {
    const index = /^\[(\d+)\](?:\.(?=.))?/.exec(rest);
    if (index) {
      // POST /v1/exports takes `filters.action` as one string or a list: a string is the list of itself.
      if (typeof cur === 'string' && index[1] === '0') return 'present';
      if (!Array.isArray(cur) || Number(index[1]) >= cur.length) return 'nowhere';
      cur = cur[Number(index[1])];
      rest = rest.slice(index[0].length);
      continue;
    }
    if (!isObj(cur)) return 'nowhere';
    const node = cur;
    const empty = /^\[""\](?:\.(?=.))?/.exec(rest); // the empty key, as the API writes it
    if (empty) {
      if (!Object.hasOwn(node, '')) return 'nowhere';
      cur = node[''];
      rest = rest.slice(empty[0].length);
      continue;
    }
    // The longest own key that the rest of the path starts with (keys may hold dots and brackets).
    const key = Object.keys(node).filter((k) => rest === k || rest.startsWith(`${k}.`) || rest.startsWith(`${k}[`)).sort((a, b) => b.length - a.length)[0];
    if (key === undefined) return /[.[]/.test(rest) ? 'nowhere' : 'missing';
    cur = node[key];
    const next = rest.slice(key.length).replace(/^\./, '');
    // An empty key before `[` that is no index: the path cannot go on (and must not loop).
    if (next === rest) return 'nowhere';
    rest = next;
  }
  return 'present';
}

// ---------------------------------------------------------------------------
// Building blocks

const LOWER = 'abcdefghijklmnopqrstuvwxyz0123456789_-'.split('');
const ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-'.split('');
/** The keys that a JS object treats specially: the contract still calls them unknown fields. */
export const PROTO_KEYS = ['__proto__', 'constructor', 'prototype'] as const;
const OTHER_UNKNOWN_KEYS = ['toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', 'Action', 'actor_id', 'tenant', 'x'.repeat(300), 'clé', 'a.b', 'a[0]', '$where', 'undefined', 'null', '0'];
const unknownKey = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...PROTO_KEYS) }, { weight: 2, arbitrary: fc.constantFrom(...OTHER_UNKNOWN_KEYS) });

/** A lowercase identifier; never `__proto__` (fast-check likes to generate it; it may not name a category or start an action). */
const ident = (max: number) => fc.string({ unit: fc.constantFrom(...LOWER), minLength: 1, maxLength: max }).filter((s) => s !== '__proto__');
const nonBlank = (max: number) => (s: string) => s.trim().length > 0 && s.length <= max;
/** Exactly `n` printable ASCII characters, not blank (a short pattern repeated: generating each character is slow). */
const atLength = (n: number, min = n) => fc.tuple(fc.string({ minLength: 1, maxLength: 5 }).filter(nonBlank(5)), fc.integer({ min, max: n }))
  .map(([unit, len]) => unit.repeat(Math.ceil(len / unit.length)).slice(0, len)).filter(nonBlank(n));
/** A string the schemas' `text(max)` accepts: non-blank, at most `max` UTF-16 units; sometimes exactly `max`. */
const text = (max: number) => fc.oneof(
  { weight: 6, arbitrary: fc.string({ minLength: 1, maxLength: Math.min(max, 24) }).filter(nonBlank(max)) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: Math.min(max, 12) }).filter(nonBlank(max)) },
  { weight: 1, arbitrary: atLength(max) },
);
const clientId = fc.string({ unit: fc.constantFrom(...ID_CHARS), minLength: 6, maxLength: 40 });
const action = fc.oneof(
  fc.constantFrom('project.updated', 'auth.signed_in', 'auth.sign_in_failed', 'user.deleted', 'survey.submission.created', 'audit_token.created'),
  fc.array(ident(12), { minLength: 1, maxLength: 4 }).map((parts) => parts.join('.')),
);
const email = fc.tuple(ident(10), fc.constantFrom('example.com', 'kobo.org', 'a-b.example.co.uk')).map(([local, domain]) => `${local.replace(/-/g, '_')}@${domain}`);
const ip = fc.oneof(fc.ipV4(), fc.constantFrom('::1', '2001:db8::7', '::ffff:203.0.113.9', 'fe80::1', '2001:db8:0:0:0:0:2:1'));
const userAgent = fc.oneof(
  fc.constantFrom(
    'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
    'curl/8.5.0', 'kobo-api/2.3 (+https://kobotoolbox.org)',
  ),
  text(512),
  atLength(512, 200),
);

/** An object key of free JSON: any text, now and then one a JS object treats specially (kept as sent all the same). */
const jsonKey = fc.oneof({ weight: 20, arbitrary: fc.string({ minLength: 1, maxLength: 12 }) }, { weight: 1, arbitrary: fc.constantFrom(...PROTO_KEYS, 'toString', '') });
/** Small free JSON (metadata, changes), at most `depth` levels. */
const freeJson = (depth: number): fc.Arbitrary<unknown> => fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', maxDepth: depth },
    fc.string({ maxLength: 20 }), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(jsonKey, tie('value'), { maxKeys: 4, noNullPrototype: true }),
  ),
})).value;
const freeObject = (depth: number) => fc.dictionary(jsonKey, freeJson(depth), { maxKeys: 6, noNullPrototype: true });

/** An ISO timestamp `ms` before `now`, in one of the accepted spellings. */
const pastTimestamp = (now: number, maxAgeMs: number) =>
  fc.tuple(fc.integer({ min: 0, max: maxAgeMs }), fc.constantFrom('ms', 'seconds', 'offset', 'micro')).map(([age, form]) => {
    const iso = new Date(now - age).toISOString();
    if (form === 'seconds') return iso.replace(/\.\d{3}Z$/, 'Z');
    if (form === 'micro') return iso.replace(/Z$/, '456Z');
    if (form === 'offset') {
      const shifted = new Date(now - age + 2 * 3_600_000).toISOString();
      return shifted.replace(/Z$/, '+02:00');
    }
    return iso;
  });

/** `YYYY-MM-DD` of yesterday, so a timestamp with only a bad time of day is otherwise within every window. */
const yesterday = (now: number) => new Date(now - 86_400_000).toISOString().slice(0, 10);

/** Malformed timestamps; each must be a 400 naming the field. */
const badTimestamps = (now: number): string[] => {
  const y = yesterday(now);
  return [
    `${y}T24:00:00Z`, `${y}T24:00:00.000Z`, `${y}T23:60:00Z`, `${y}T23:59:60Z`, `${y}T25:00:00Z`,
    '2026-02-30T10:00:00Z', '2026-13-01T00:00:00Z', '2026-00-10T00:00:00Z', '2026-11-31T10:00:00Z',
    y, `${y} 10:00:00Z`, `${y}T10:00:00`, `${y}T10:00Z`, `${y}T10:00:00.1234567891Z`, `${y}T10:00:00+25:00`,
    `${y}T10:00:00+0100`, `${y}t10:00:00z`, `+275760-09-13T00:00:00Z`, '-000001-01-01T00:00:00Z',
    '', 'now', ` ${y}T10:00:00Z`, `${y}T10:00:00Z\n`, `${y}T１０:00:00Z`, 'Wed, 02 Dec 2026 10:00:00 GMT', '1764670000000',
  ];
};

// ---------------------------------------------------------------------------
// Events

/** A valid event (as a service sends it): within the tenant's window, all limits respected. */
export const validEvent = (ctx: FuzzContext): fc.Arbitrary<Obj> =>
  fc.record({
    id: clientId,
    occurredAt: pastTimestamp(ctx.now, 2 * 86_400_000),
    action,
    category: ident(20),
    actor: fc.record({
      type: fc.constantFrom('user', 'service', 'system', 'api_token'),
      id: text(128),
      name: text(256),
      email,
    }, { requiredKeys: ['type', 'id'] }),
    resource: fc.record({ type: text(64), id: text(128), name: text(256) }, { requiredKeys: ['type', 'id'] }),
    project: text(128),
    ip,
    userAgent,
    result: fc.constantFrom('success', 'failure', 'invalid_input'),
    severity: fc.constantFrom('info', 'notice', 'warning', 'critical'),
    message: text(1024),
    changes: fc.record({ before: freeObject(3), after: freeObject(3) }, { requiredKeys: [] }),
    metadata: freeObject(4),
  }, { requiredKeys: ['id', 'action', 'actor'] }).map((e) => clone(e as Obj));

/** Fields of an event, with their kind and whether they are required. */
const STRING_FIELDS = [
  'id', 'occurredAt', 'action', 'category', 'project', 'ip', 'userAgent', 'result', 'severity', 'message',
  'actor.type', 'actor.id', 'actor.name', 'actor.email', 'resource.type', 'resource.id', 'resource.name',
] as const;
const OBJECT_FIELDS = ['actor', 'resource', 'changes', 'changes.before', 'changes.after', 'metadata'] as const;
const REQUIRED = new Set(['action', 'actor', 'actor.type', 'actor.id', 'resource.type', 'resource.id']);
/** Maximum length of each length-limited string field. */
const MAX_LENGTH: Record<string, number> = {
  id: 128, action: 128, category: 64, project: 128, userAgent: 512, message: 1024,
  'actor.id': 128, 'actor.name': 256, 'resource.type': 64, 'resource.id': 128, 'resource.name': 256,
};

/** One thing done to an event, and the paths (relative to the event) a 400 must name; `[]`: no expectation. */
export type EventMutation =
  | { readonly kind: 'type'; readonly field: string; readonly value: unknown }
  | { readonly kind: 'drop'; readonly field: string }
  | { readonly kind: 'unknown'; readonly at: '' | 'actor' | 'resource' | 'changes'; readonly key: string; readonly value: unknown }
  | { readonly kind: 'deep'; readonly at: string; readonly depth: number; readonly shape: Shape; readonly wrap: boolean }
  | { readonly kind: 'long'; readonly field: string; readonly length: number }
  | { readonly kind: 'time'; readonly value: string }
  | { readonly kind: 'enum'; readonly field: 'result' | 'severity' | 'actor.type'; readonly value: string }
  | { readonly kind: 'id'; readonly value: string }
  | { readonly kind: 'weird'; readonly field: string; readonly chars: string }
  | { readonly kind: 'nullOptional'; readonly field: string };

const WRONG_FOR_STRING: unknown[] = [42, 0, -1.5, true, false, [], ['x'], {}, { a: 1 }, new Raw('1e400'), new Raw('-0')];
const WRONG_FOR_OBJECT: unknown[] = [42, true, 'x', '', [], [{}], new Raw('1e400')];
/** Nesting depths: past the limit (32 in fields, 40 in a body), thousands (the stack overflowed at ~2,500), now and then 30,000. */
const depthArb = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 33, max: 300 }) }, { weight: 6, arbitrary: fc.integer({ min: 1_000, max: 6_000 }) }, { weight: 1, arbitrary: fc.constant(30_000) });
const shapeArb = fc.constantFrom<Shape>('array', 'object', 'mixed');

const eventMutation = (ctx: FuzzContext): fc.Arbitrary<EventMutation> => fc.oneof(
  { weight: 4, arbitrary: fc.oneof(
    fc.record({ kind: fc.constant('type' as const), field: fc.constantFrom(...STRING_FIELDS), value: fc.constantFrom(...WRONG_FOR_STRING) }),
    fc.record({ kind: fc.constant('type' as const), field: fc.constantFrom(...OBJECT_FIELDS), value: fc.constantFrom(...WRONG_FOR_OBJECT) }),
  ) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('drop' as const), field: fc.constantFrom(...REQUIRED) }) },
  { weight: 4, arbitrary: fc.record({
    kind: fc.constant('unknown' as const), at: fc.constantFrom('' as const, 'actor' as const, 'resource' as const, 'changes' as const),
    key: fc.oneof(unknownKey, fc.constantFrom('receivedAt', 'client', 'fields', 'events')), value: fc.constantFrom<unknown>(1, 'x', null, {}, { polluted: true }, [1]),
  }) },
  { weight: 4, arbitrary: fc.record({
    kind: fc.constant('deep' as const), at: fc.constantFrom('metadata', 'changes.before', 'changes.after', 'junk', 'actor.id', 'message'),
    depth: depthArb, shape: shapeArb, wrap: fc.boolean(),
  }) },
  { weight: 2, arbitrary: fc.record({
    kind: fc.constant('long' as const), field: fc.constantFrom(...Object.keys(MAX_LENGTH), 'metadata', 'changes.before', 'changes.after'),
    length: fc.oneof({ weight: 20, arbitrary: fc.integer({ min: 1, max: 64 }) }, { weight: 2, arbitrary: fc.constant(70_000) }, { weight: 1, arbitrary: fc.constant(1_100_000) }),
  }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('time' as const), value: fc.constantFrom(...badTimestamps(ctx.now)) }) },
  { weight: 1, arbitrary: fc.record({
    kind: fc.constant('enum' as const), field: fc.constantFrom('result' as const, 'severity' as const, 'actor.type' as const),
    value: fc.constantFrom('SUCCESS', 'ok', '', 'success ', 'debug', 'INFO', 'User', 'admin', 'constructor', '__proto__'),
  }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('id' as const), value: fc.constantFrom('', ' ', 'a b', 'a/b', 'ü', 'x'.repeat(129), '../../etc', 'a#b', '\u0000', 'id\n') }) },
  { weight: 2, arbitrary: fc.record({
    kind: fc.constant('weird' as const), field: fc.constantFrom('actor.name', 'actor.id', 'message', 'resource.name', 'project', 'metadata', 'userAgent'),
    chars: fc.constantFrom('\ud800', '\udfff', '\udc00\ud800', '\u0000', '\ufffe\uffff', '\u202e', '\u{1F600}'.repeat(40), '\u0301\u0301\u0301', '\r\n\t'),
  }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('nullOptional' as const), field: fc.constantFrom('id', 'occurredAt', 'project', 'message', 'resource', 'metadata', 'changes', 'actor.name', 'changes.before') }) },
);

/** The `paths` still in `o` as sent (or, for a removed required field, whose parent is). */
function stillThere(o: unknown, paths: readonly string[]): string[] {
  if (!paths.length) return [];
  // Deep fragments count as one value here: parsing 30,000 levels takes JSON.parse tens of milliseconds.
  const sent: unknown = JSON.parse(JSON.stringify(o, (_k, v: unknown) => (v instanceof Raw ? 0 : v)));
  return paths.filter((p) => locate(sent, p) !== 'nowhere');
}

/** A valid object for a parent field a mutation needs (`actor`, `resource`, `changes`). */
const validParent = (key: string): Obj => (key === 'resource' ? { type: 'project', id: 'p_7' } : key === 'actor' ? { type: 'user', id: 'u_1' } : {});

/** What a mutation of the dotted `path` overwrites in `o`: the path, or its first ancestor that is no object (replaced whole). */
function overwrites(o: Obj, path: string): string {
  const keys = path.split('.');
  let cur: unknown = o;
  for (let i = 0; i < keys.length - 1; i++) {
    cur = (cur as Obj)[keys[i]!];
    if (!isObj(cur)) return keys.slice(0, i + 1).join('.');
  }
  return path;
}

/** What `m` overwrites in `e` (computed before it is applied). */
function overwrittenBy(e: Obj, m: EventMutation): string {
  switch (m.kind) {
    case 'time': return 'occurredAt';
    case 'id': return 'id';
    case 'unknown': return m.at ? overwrites(e, under(m.at, m.key)) : m.key;
    case 'deep': return overwrites(e, m.at);
    default: return overwrites(e, m.field);
  }
}

/** Whether `path` is `prefix` or lies under it (`events[3].actor.id` under `events[3].actor`). */
export const isUnder = (path: string, prefix: string) => path === prefix || (prefix !== '(body)' && (path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`)));
/** Whether two paths overlap: one lies under the other. */
const overlap = (a: string, b: string) => isUnder(a, b) || isUnder(b, a);

/** Reads `path` (dotted) of `o`. */
function getAt(o: Obj, path: string): unknown {
  return path.split('.').reduce<unknown>((cur, key) => (isObj(cur) ? cur[key] : undefined), o);
}

/** Sets `path` (dotted) of `e`, creating valid parents (a resource, empty changes) where missing. */
function setAt(e: Obj, path: string, value: unknown): void {
  const keys = path.split('.');
  let cur = e;
  for (const key of keys.slice(0, -1)) {
    if (!isObj(cur[key])) put(cur, key, validParent(key));
    cur = cur[key] as Obj;
  }
  put(cur, keys[keys.length - 1]!, value);
}

function dropAt(e: Obj, path: string): void {
  const keys = path.split('.');
  if (keys.length > 1 && !isObj(getAt(e, keys.slice(0, -1).join('.')))) setAt(e, keys.slice(0, -1).join('.'), validParent(keys[0]!));
  const parent = keys.length > 1 ? (getAt(e, keys.slice(0, -1).join('.')) as Obj) : e;
  delete parent[keys[keys.length - 1]!];
}

/** What a mutation did: paths that now must be named (the event is invalid), or may be (it may still be valid). */
export interface Broken {
  readonly must?: readonly string[];
  readonly may?: readonly string[];
}

/** Applies `m` to `e` (in place); returns the paths a 400 must or may name. */
export function mutateEvent(e: Obj, m: EventMutation): Broken {
  const must = (...paths: string[]): Broken => ({ must: paths });
  switch (m.kind) {
    case 'type': {
      setAt(e, m.field, m.value);
      // `{}` is a valid `changes`; `1e400` parses as Infinity, which no field accepts.
      if (m.field === 'changes' && isObj(m.value)) return {};
      return must(m.field);
    }
    case 'drop':
      dropAt(e, m.field);
      return must(m.field);
    case 'unknown': {
      // `events` on a single event would make it a batch envelope: not what this mutation is about.
      if (m.key === 'events' && !m.at) return {};
      if (m.at && !isObj(e[m.at])) put(e, m.at, validParent(m.at));
      put(m.at ? (e[m.at] as Obj) : e, m.key, m.value);
      // `fields` is derived by the server: unknown in input, like every other key here.
      return must(under(m.at, m.key));
    }
    case 'deep': {
      const deep = new Raw(deepJson(m.depth, m.shape));
      // In a free object: `metadata: {k: [[…]]}` (or the object itself nested); elsewhere: the value itself.
      const free = m.at === 'metadata' || m.at.startsWith('changes.');
      setAt(e, m.at, free && (m.wrap || m.shape !== 'object') ? { k: deep } : deep);
      return must(m.at);
    }
    case 'long': {
      if (m.field === 'metadata' || m.field.startsWith('changes.')) {
        const limit = m.field === 'metadata' ? 16_384 : 32_768;
        setAt(e, m.field, { blob: 'x'.repeat(Math.max(limit, m.length)) });
        return must(m.field);
      }
      const max = MAX_LENGTH[m.field]!;
      const chars = m.field === 'action' || m.field === 'category' ? 'a' : m.field === 'id' ? 'I' : 'é';
      setAt(e, m.field, chars.repeat(max + m.length));
      return must(m.field);
    }
    case 'time':
      put(e, 'occurredAt', m.value);
      return must('occurredAt');
    case 'enum':
      setAt(e, m.field, m.value);
      return must(m.field);
    case 'id':
      put(e, 'id', m.value);
      return must('id');
    case 'weird': {
      if (m.field === 'metadata') {
        setAt(e, 'metadata', { [`k${m.chars}`]: `v${m.chars}`, list: [m.chars] });
        return { may: ['metadata'] };
      }
      const current = getAt(e, m.field);
      setAt(e, m.field, `${typeof current === 'string' ? current.slice(0, 8) : 'x'}${m.chars}`);
      return { may: [m.field] };
    }
    case 'nullOptional':
      setAt(e, m.field, null);
      return { may: [m.field] };
  }
}

const mutationLabel = (m: EventMutation): string => {
  switch (m.kind) {
    case 'type': return `${m.field}=${m.value instanceof Raw ? m.value.text : JSON.stringify(m.value)}`;
    case 'drop': return `no ${m.field}`;
    case 'unknown': return `unknown ${under(m.at, m.key.length > 20 ? `${m.key.slice(0, 8)}…(${m.key.length})` : m.key)}`;
    case 'deep': return `${m.at} ${m.depth} levels of ${m.shape}${m.wrap ? ' (wrapped)' : ''}`;
    case 'long': return `${m.field} over its limit by ${m.length}`;
    case 'time': return `occurredAt ${JSON.stringify(m.value)}`;
    case 'enum': return `${m.field}=${JSON.stringify(m.value)}`;
    case 'id': return `id ${JSON.stringify(m.value.length > 20 ? `${m.value.slice(0, 8)}…(${m.value.length})` : m.value)}`;
    case 'weird': return `${m.field} with ${JSON.stringify(m.chars.slice(0, 6))}`;
    case 'nullOptional': return `${m.field}=null`;
  }
};

/** An event slot of a body: a valid event, an event with mutations, or no object at all. */
interface Slot {
  readonly event: Obj;
  readonly mutations: readonly EventMutation[];
  readonly notObject?: unknown;
}

const slot = (ctx: FuzzContext): fc.Arbitrary<Slot> => fc.oneof(
  { weight: 5, arbitrary: validEvent(ctx).map((event) => ({ event, mutations: [] })) },
  { weight: 5, arbitrary: fc.record({ event: validEvent(ctx), mutations: fc.array(eventMutation(ctx), { minLength: 1, maxLength: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ event: validEvent(ctx), mutations: fc.constant([]), notObject: fc.constantFrom<unknown>(null, 42, 'x', [], true, [{ action: 'a.b' }]) }) },
);

/** How a body holds its events. */
type Envelope =
  | { readonly kind: 'single' }
  | { readonly kind: 'batch' }
  | { readonly kind: 'unknown'; readonly key: string }
  | { readonly kind: 'notArray'; readonly value: unknown }
  | { readonly kind: 'empty' }
  | { readonly kind: 'tooMany'; readonly extra: number };

/** What wraps the JSON text. */
type Wire =
  | { readonly kind: 'json'; readonly contentType?: string }
  | { readonly kind: 'base64' }
  | { readonly kind: 'badUtf8'; readonly bytes: readonly number[] }
  | { readonly kind: 'truncated'; readonly at: number }
  | { readonly kind: 'text'; readonly body: string }
  | { readonly kind: 'contentType'; readonly contentType: string };

const JSON_TYPES = [undefined, 'application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/vnd.api+json', 'application/json-patch+json'];
const BAD_TYPES = ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonp', 'application/xml', 'json', 'text/json'];

/** The wire: mostly plain JSON (`jsonWeight` against 10 for all the rest). */
const wire = (jsonWeight = 30): fc.Arbitrary<Wire> => fc.oneof(
  { weight: jsonWeight, arbitrary: fc.record({ kind: fc.constant('json' as const), contentType: fc.constantFrom(...JSON_TYPES) }, { requiredKeys: ['kind'] }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'base64' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('badUtf8' as const), bytes: fc.constantFrom([0xff], [0xfe, 0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82]) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('truncated' as const), at: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('text' as const), body: fc.constantFrom('', '   ', 'null', '42', '"x"', 'true', '[]', '[{}]', '{}x', '\ufeff{}', '{"a":1,}', "{'a':1}", 'NaN', '{"a":01}', '\u0000', '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('contentType' as const), contentType: fc.constantFrom(...BAD_TYPES) }) },
);

const MAX_BODY_BYTES = 1_048_576;

/** Puts a JSON body `text` (expected to answer `expect`) on the wire. */
function onWire(op: Op, label: string, text: string, w: Wire, expect: Expectation | undefined, extra: Partial<FuzzRequest> = {}): FuzzRequest {
  const tooLarge = Buffer.byteLength(text, 'utf8') > MAX_BODY_BYTES;
  const sized: Expectation | undefined = tooLarge ? { status: [413] } : expect;
  switch (w.kind) {
    case 'json':
      return request({ op, label, body: text, contentType: w.contentType, expect: sized, ...extra });
    case 'base64':
      return request({ op, label: `${label}, base64`, body: Buffer.from(text).toString('base64'), base64: true, contentType: 'application/json', expect: sized, ...extra });
    case 'badUtf8': {
      // Invalid UTF-8 bytes inside the first string value: they decode to U+FFFD, so any answer but a 5xx will do.
      const at = text.indexOf('"', text.indexOf(':') + 1) + 1;
      const bytes = at > 0 ? Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from(w.bytes), Buffer.from(text.slice(at))]) : Buffer.from(text);
      return request({ op, label: `${label}, bytes ${w.bytes.map((b) => b.toString(16)).join(' ')} in a string`, body: bytes.toString('base64'), base64: true, contentType: 'application/json', ...extra });
    }
    case 'truncated': {
      // Not JSON: a 400 naming the body, or what the nesting check (which runs on the raw text first) found.
      const cut = text.slice(0, w.at % Math.max(1, text.length));
      const found = [...(expect?.paths ?? []), ...(expect?.allowed ?? [])];
      const cutTooLarge = Buffer.byteLength(cut, 'utf8') > MAX_BODY_BYTES; // the size is checked before the syntax
      return request({ op, label: `${label}, cut at ${cut.length}`, body: cut, contentType: 'application/json', expect: cutTooLarge ? { status: [413] } : { status: [400], paths: ['(body)', ...found] }, ...extra });
    }
    case 'text': {
      // Whatever the body, these are never an acceptable object... except `{}` for some routes, which the callers exclude.
      return request({ op, label: `body ${JSON.stringify(w.body.slice(0, 12))}`, body: w.body, contentType: 'application/json', expect: { status: [400], paths: ['(body)'] } });
    }
    case 'contentType':
      // The size is checked first: a body over the limit is a 413 whatever its type.
      return request({ op, label: `${label}, content-type ${w.contentType}`, body: text, contentType: w.contentType, expect: tooLarge ? sized : { status: [400], paths: ['content-type'] }, ...extra });
  }
}

/**
 * POST /v1/events bodies, valid or with hostile mutations, on a valid or broken wire: one event per
 * body (`single`), or batches (`{"events": [...]}`, valid or not, and envelopes that are wrong).
 */
export const ingestRequests = (ctx: FuzzContext, bodies: 'single' | 'batch'): fc.Arbitrary<FuzzRequest> => {
  const envelope: fc.Arbitrary<Envelope> = bodies === 'single' ? fc.constant({ kind: 'single' as const }) : fc.oneof(
    { weight: 10, arbitrary: fc.constant({ kind: 'batch' as const }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('unknown' as const), key: fc.oneof(unknownKey, fc.constantFrom('action', 'event', 'Events')) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('notArray' as const), value: fc.constantFrom<unknown>('x', null, {}, 42, { 0: {} }) }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'empty' as const }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('tooMany' as const), extra: fc.integer({ min: 1, max: 30 }) }) },
  );
  const slots = fc.oneof(
    { weight: 6, arbitrary: fc.array(slot(ctx), { minLength: 1, maxLength: 6 }) },
    { weight: 1, arbitrary: fc.array(slot(ctx), { minLength: 7, maxLength: 40 }) },
  );
  return fc.tuple(envelope, slots, wire()).map(([env, all, w]) => {
    const list = env.kind === 'single' ? all.slice(0, 1) : all;
    const events: unknown[] = [];
    const paths: string[] = [];
    const doubtful: string[] = [];
    const labels: string[] = [];
    list.forEach((s, i) => {
      const prefix = env.kind === 'single' ? '' : `events[${i}]`;
      if (s.notObject !== undefined && env.kind !== 'single') {
        events.push(s.notObject);
        paths.push(prefix);
        labels.push(`${prefix}=${JSON.stringify(s.notObject)}`);
        return;
      }
      const e = clone(s.event);
      let must: string[] = [];
      for (const m of s.mutations) {
        // What this mutation overwrites is no longer broken the way an earlier one left it (`project=-1.5`, then a string).
        const gone = overwrittenBy(e, m);
        must = must.filter((p) => !overlap(p, gone));
        const broken = mutateEvent(e, m);
        must.push(...(broken.must ?? []));
        doubtful.push(...(broken.may ?? []).map((p) => under(prefix, p)));
        labels.push(`${prefix ? `${prefix}: ` : ''}${mutationLabel(m)}`);
      }
      // A later mutation may have replaced what an earlier one broke (`resource.x`, then `resource=null`).
      paths.push(...stillThere(e, must).map((p) => under(prefix, p)));
      events.push(e);
    });
    let body: unknown;
    const envPaths: string[] = [];
    switch (env.kind) {
      case 'single': body = events[0]; break;
      case 'batch': body = { events }; break;
      case 'unknown': body = put({ events }, env.key, { x: 1 }); envPaths.push(env.key); labels.unshift(`envelope key ${env.key}`); break;
      case 'notArray': body = { events: env.value }; envPaths.push('events'); labels.unshift(`events=${JSON.stringify(env.value)}`); break;
      case 'empty': body = { events: [] }; envPaths.push('events'); labels.unshift('events=[]'); break;
      case 'tooMany': {
        const filler = Array.from({ length: 100 + env.extra - events.length }, (_, i) => ({ action: 'bulk.loaded', actor: { type: 'system', id: `filler-${i}` } }));
        body = { events: [...events, ...filler] };
        envPaths.push('events');
        labels.unshift(`${100 + env.extra} events`);
        break;
      }
    }
    // The envelope is checked before the events, but the nesting limit is checked on the raw body before
    // either: a wrong envelope or a wrong event must be named, at least one of them.
    const must = [...envPaths, ...paths];
    const allowed = [...paths, ...doubtful];
    const expect: Expectation = must.length ? { status: [400], paths: must, allowed } : doubtful.length ? { allowed } : { ok: true, status: [201] };
    const eventIds = (isObj(body) && Array.isArray(body.events) ? body.events : [body])
      .flatMap((e) => (isObj(e) && typeof e.id === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(e.id) ? [e.id] : []));
    const label = `${env.kind === 'single' ? 'one event' : `${list.length} events`}${labels.length ? `: ${labels.join('; ')}` : ', valid'}`;
    return onWire('ingestEvents', label, toJson(body), w, expect, { eventIds });
  });
};

// ---------------------------------------------------------------------------
// Query strings

/** One query parameter; `raw`, when set, is the literal text of the pair (not percent-encoded). */
interface Param {
  readonly key: string;
  readonly value: string;
  readonly raw?: string;
}

/** Parameters of a listing with the paths a 400 must name. */
interface QueryCase {
  readonly params: readonly Param[];
  readonly bad: readonly string[];
  /** Keys of raw garbage, which a 400 may name (and which may make a 400 of their own, or not). */
  readonly vague: readonly string[];
  readonly labels: readonly string[];
}

const encode = (s: string) => encodeURIComponent(s);
const queryString = (params: readonly Param[]) => params.map((p) => p.raw ?? `${encode(p.key)}=${encode(p.value)}`).join('&');

/** Which listing, and the keys it knows. */
type Listing = 'events' | 'accessLogs' | 'exports';
const SINGLE_KEYS: Record<Listing, readonly string[]> = {
  events: ['from', 'to', 'range', 'category', 'actor', 'actorEmail', 'resourceType', 'resourceId', 'project', 'result', 'severity', 'q', 'limit', 'cursor'],
  accessLogs: ['actor', 'from', 'to', 'range', 'result', 'limit', 'cursor'],
  exports: ['limit', 'cursor'],
};
const MAX_LIMIT: Record<Listing, number> = { events: 200, accessLogs: 200, exports: 100 };

/** Valid parameters of `listing`, as a list of [key, value]. */
const validParams = (ctx: FuzzContext, listing: Listing): fc.Arbitrary<Param[]> => {
  const window = fc.oneof(
    fc.constant<Param[]>([]),
    fc.constantFrom('24h', '7d', '30d', '90d').map((r) => [{ key: 'range', value: r }]),
    fc.tuple(pastTimestamp(ctx.now, 40 * 86_400_000), pastTimestamp(ctx.now, 40 * 86_400_000), fc.constantFrom('from', 'to', 'both')).map(([a, b, which]) => {
      const [from, to] = Date.parse(a) <= Date.parse(b) ? [a, b] : [b, a];
      return which === 'both' ? [{ key: 'from', value: from }, { key: 'to', value: to }] : [{ key: which, value: which === 'from' ? from : to }];
    }),
  );
  const limit = fc.integer({ min: 1, max: MAX_LIMIT[listing] }).map((n) => [{ key: 'limit', value: String(n) }]);
  const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 3 });
  if (listing === 'exports') return opt(limit).map((l) => l ?? []);
  if (listing === 'accessLogs') {
    return fc.tuple(window, opt(text(128)), opt(fc.constantFrom('success', 'failure', 'invalid_input')), opt(limit)).map(([w, actor, result, l]) => [
      ...w, ...(actor ? [{ key: 'actor', value: actor }] : []), ...(result ? [{ key: 'result', value: result }] : []), ...(l ?? []),
    ]);
  }
  return fc.tuple(
    window,
    fc.array(fc.oneof(action, ident(10).map((p) => `${p}.*`)), { maxLength: 3 }),
    fc.record({
      category: ident(20), actor: text(128), actorEmail: email, resourceType: text(64), resourceId: text(128), project: text(128),
      result: fc.constantFrom('success', 'failure', 'invalid_input'), severity: fc.constantFrom('info', 'notice', 'warning', 'critical'),
      q: fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim().length > 0),
    }, { requiredKeys: [] }),
    opt(limit),
  ).chain(([w, actions, fields, l]) =>
    // A random few of the filter fields: every combination is valid, and the planner's index choice varies.
    fc.shuffledSubarray(Object.entries(fields), { maxLength: Math.min(4, Object.keys(fields).length) }).map((entries) => [
      ...w, ...actions.map((a) => ({ key: 'action', value: a })), ...entries.map(([key, value]) => ({ key, value: value as string })), ...(l ?? []),
    ]));
};

/** Broken parameters: each returns params to add (or replace) and the path a 400 must name. */
type QueryMutation =
  | { readonly kind: 'unknown'; readonly key: string }
  | { readonly kind: 'limit'; readonly value: string }
  | { readonly kind: 'repeat'; readonly key: string; readonly same: boolean; readonly swap: boolean }
  | { readonly kind: 'value'; readonly key: string; readonly value: string }
  | { readonly kind: 'window'; readonly conflict: 'rangeAndFrom' | 'fromAfterTo' }
  | { readonly kind: 'actions'; readonly count: number }
  | { readonly kind: 'garbage'; readonly text: string };

const BAD_LIMITS = ['1e2', '0x10', '+5', '%2B5', '%205', '5%20', '0', '-1', '201', '1.5', 'abc', '', '0b11', '0o7', 'Infinity', 'NaN', '5,6', '１０', '10abc', '99999999999999999999'];
const BAD_VALUES = (ctx: FuzzContext): Record<string, readonly string[]> => ({
  from: badTimestamps(ctx.now).filter(Boolean).slice(0, 12),
  to: [`${yesterday(ctx.now)}T24:00:00Z`, 'tomorrow', '2026-02-30T00:00:00Z'],
  range: ['1y', '24H', '7', '', 'constructor'],
  category: ['Auth', 'a.b', '', 'x'.repeat(65)],
  actor: ['', '   ', 'x'.repeat(129)],
  actorEmail: ['not-an-email', '@example.com', 'a@b'],
  resourceType: ['', 'x'.repeat(65)],
  result: ['SUCCESS', 'ok', ''],
  severity: ['debug', 'INFO'],
  q: ['', '   ', 'x'.repeat(257)],
  action: ['Project.Updated', 'project.', '*', 'project.*.x', '', '.a', 'a..b'],
  cursor: ['', 'abc', 'eyJiIjoiMjAyNiJ9.AAAA', 'x.y.z', '%', '.'.repeat(10)],
});
const GARBAGE = ['%', '%zz=1', 'limit=%', '%E0%A4%A=1', 'actor=%ED%A0%80', 'q=%uD800', '&&&', '=', '==', '&=&', 'a', '%00=1', 'actor=%00', 'q=%F0%9F%98', 'actor[]=x', 'actor[a]=1', 'q=a+b'];

const queryMutation = (ctx: FuzzContext, listing: Listing): fc.Arbitrary<QueryMutation> => {
  const known = SINGLE_KEYS[listing];
  const values = BAD_VALUES(ctx);
  const valueKeys = Object.keys(values).filter((k) => known.includes(k) || (k === 'action' && listing === 'events'));
  return fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('unknown' as const), key: fc.oneof(unknownKey, fc.constantFrom('foo', 'Limit', 'tenant', 'page', ...(listing === 'events' ? [] : ['action', 'q'])) ) }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('limit' as const), value: fc.constantFrom(...BAD_LIMITS) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('repeat' as const), key: fc.constantFrom(...known.filter((k) => k !== 'cursor')), same: fc.boolean(), swap: fc.boolean() }) },
    { weight: 3, arbitrary: fc.constantFrom(...valueKeys).chain((key) => fc.record({ kind: fc.constant('value' as const), key: fc.constant(key), value: fc.constantFrom(...values[key]!) })) },
    ...(listing === 'exports' ? [] : [{ weight: 1, arbitrary: fc.record({ kind: fc.constant('window' as const), conflict: fc.constantFrom('rangeAndFrom' as const, 'fromAfterTo' as const) }) }]),
    ...(listing === 'events' ? [{ weight: 1, arbitrary: fc.record({ kind: fc.constant('actions' as const), count: fc.integer({ min: 21, max: 40 }) }) }] : []),
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('garbage' as const), text: fc.constantFrom(...GARBAGE) }) },
  );
};

/** A valid value for `key` (for repeats). */
const sampleValue = (ctx: FuzzContext, key: string): string => ({
  from: new Date(ctx.now - 86_400_000).toISOString(), to: new Date(ctx.now).toISOString(), range: '7d', category: 'auth', actor: 'u_1',
  actorEmail: 'ada@example.com', resourceType: 'project', resourceId: 'p_7', project: 'p_7', result: 'success', severity: 'info', q: 'ada', limit: '5',
}[key] ?? 'x');

function applyQueryMutation(ctx: FuzzContext, params: Param[], m: QueryMutation): { bad?: string; vague?: string[]; label: string } {
  const without = (keys: string[]) => params.filter((p) => !keys.includes(p.key));
  const replace = (keys: string[], add: Param[]) => params.splice(0, params.length, ...without(keys), ...add);
  switch (m.kind) {
    case 'unknown': {
      params.push({ key: m.key, value: '1' });
      return { bad: m.key, label: `unknown ${m.key.length > 20 ? `${m.key.slice(0, 8)}…` : m.key}` };
    }
    case 'limit':
      replace(['limit'], [{ key: 'limit', value: m.value, raw: `limit=${m.value}` }]);
      return { bad: 'limit', label: `limit=${m.value}` };
    case 'repeat': {
      const first = params.find((p) => p.key === m.key)?.value ?? sampleValue(ctx, m.key);
      const second = m.same ? first : m.key === 'limit' ? 'abc' : sampleValue(ctx, m.key) === first ? 'other' : sampleValue(ctx, m.key);
      // Either order: `limit=5&limit=abc` and `limit=abc&limit=5` must both be refused, naming the key.
      const [a, b] = m.swap ? [second, first] : [first, second];
      replace([m.key, ...(m.key === 'range' ? ['from', 'to'] : m.key === 'from' || m.key === 'to' ? ['range'] : [])], [{ key: m.key, value: a }, { key: m.key, value: b }]);
      return { bad: m.key, label: `${m.key} repeated${m.same ? ' (same value)' : ''}` };
    }
    case 'value': {
      if (m.key === 'action') params.push({ key: 'action', value: m.value });
      else replace([m.key], [{ key: m.key, value: m.value }]);
      return { bad: m.key, label: `${m.key}=${JSON.stringify(m.value.length > 20 ? `${m.value.slice(0, 12)}…(${m.value.length})` : m.value)}` };
    }
    case 'window': {
      const day = 86_400_000;
      if (m.conflict === 'rangeAndFrom') {
        replace(['range', 'from', 'to'], [{ key: 'range', value: '7d' }, { key: 'from', value: new Date(ctx.now - day).toISOString() }]);
        return { bad: 'range', label: 'range with from' };
      }
      replace(['range', 'from', 'to'], [{ key: 'from', value: new Date(ctx.now - day).toISOString() }, { key: 'to', value: new Date(ctx.now - 2 * day).toISOString() }]);
      return { bad: 'from', label: 'from after to' };
    }
    case 'actions':
      replace(['action'], Array.from({ length: m.count }, (_, i) => ({ key: 'action', value: `a${i}.done` })));
      return { bad: 'action', label: `${m.count} actions` };
    case 'garbage':
      params.push({ key: '', value: '', raw: m.text });
      return { vague: [...new URLSearchParams(m.text).keys()], label: `raw ${JSON.stringify(m.text)}` };
  }
}

const queryCase = (ctx: FuzzContext, listing: Listing): fc.Arbitrary<QueryCase> =>
  fc.tuple(validParams(ctx, listing), fc.oneof({ weight: 2, arbitrary: fc.constant([]) }, { weight: 5, arbitrary: fc.array(queryMutation(ctx, listing), { minLength: 1, maxLength: 3 }) }))
    .map(([valid, mutations]) => {
      const params = [...valid];
      const bad: string[] = [];
      const labels: string[] = [];
      const vague: string[] = [];
      for (const m of mutations) {
        const r = applyQueryMutation(ctx, params, m);
        if (r.bad) bad.push(r.bad);
        vague.push(...(r.vague ?? []));
        labels.push(r.label);
      }
      return { params, bad, vague, labels };
    });

function queryRequest(op: Op, c: QueryCase): FuzzRequest {
  const query = queryString(c.params);
  // Garbage may repeat a key the valid part holds: that key may be named too.
  const allowed = [...c.vague, ...c.params.filter((p) => c.vague.includes(p.key)).map((p) => p.key)];
  // A cursor is checked only once the rest is valid, and garbage may add unknown keys of its own: at least one is named.
  const expect: Expectation = c.bad.length ? { status: [400], paths: [...c.bad, ...c.vague], allowed } : c.vague.length ? { allowed } : { ok: true, status: [200] };
  return request({ op, label: c.labels.length ? c.labels.join('; ') : `${c.params.length} valid parameters`, query, expect });
}

/** GET /v1/events query strings, valid and hostile. */
export const listEventsRequests = (ctx: FuzzContext) => queryCase(ctx, 'events').map((c) => queryRequest('listEvents', c));
/** GET /v1/access-logs query strings. */
export const listAccessLogsRequests = (ctx: FuzzContext) => queryCase(ctx, 'accessLogs').map((c) => queryRequest('listAccessLogs', c));
/** GET /v1/exports query strings. */
export const listExportsRequests = (ctx: FuzzContext) => queryCase(ctx, 'exports').map((c) => queryRequest('listExports', c));

// ---------------------------------------------------------------------------
// Settings, tokens, exports

/** A change to a settings, token or export body, and the paths a 400 must or may name. */
interface FieldMutation {
  readonly label: string;
  /** What it overwrites (an earlier mutation's path there is void), when it does anything. */
  readonly overwrites?: (body: Obj) => string | undefined;
  apply(body: Obj): Broken;
}

const fieldMutation = (label: string, apply: (body: Obj) => Broken, overwrites?: (body: Obj) => string | undefined): FieldMutation => ({ label, apply, overwrites: overwrites ?? (() => label.split('=')[0]!.replace(/^(unknown|no) /, '')) });
const show = (value: unknown) => (value instanceof Raw ? value.toString() : JSON.stringify(value)?.slice(0, 40));
const setField = (key: string, value: unknown) => fieldMutation(`${key}=${show(value)}`, (b) => (put(b, key, value), { must: [key] }));
/** `null` for an optional field: refused or taken as absent, either is fine. */
const nullField = (key: string) => fieldMutation(`${key}=null`, (b) => (put(b, key, null), { may: [key] }));
const unknownField = unknownKey.map((key) => fieldMutation(`unknown ${key.length > 20 ? `${key.slice(0, 8)}…` : key}`, (b) => (put(b, key, { x: 1 }), { must: [key] }), () => key));
const dropField = (key: string) => fieldMutation(`no ${key}`, (b) => (delete b[key], { must: [key] }));

/** Builds a request family from a valid body, its field mutations and the wire. */
function bodyRequests(op: Op, valid: fc.Arbitrary<Obj>, mutations: fc.Arbitrary<FieldMutation>, okStatus: number, weights = { valid: 1, broken: 4 }): fc.Arbitrary<FuzzRequest> {
  const muts = fc.oneof({ weight: weights.valid, arbitrary: fc.constant<FieldMutation[]>([]) }, { weight: weights.broken, arbitrary: fc.array(mutations, { minLength: 1, maxLength: 3 }) });
  const w = wire(60);
  return fc.tuple(valid, muts, w).map(([body, ms, ww]) => {
    const b = clone(body);
    const paths: string[] = [];
    const doubtful: string[] = [];
    for (const m of ms) {
      const gone = m.overwrites?.(b);
      if (gone !== undefined) paths.splice(0, paths.length, ...paths.filter((p) => !overlap(p, gone)));
      const broken = m.apply(b);
      paths.push(...(broken.must ?? []));
      doubtful.push(...(broken.may ?? []));
    }
    // A later mutation may have replaced what an earlier one broke (`filters.x`, then `filters=null`).
    paths.splice(0, paths.length, ...stillThere(b, paths));
    const allowed = [...paths, ...doubtful];
    const expect: Expectation = paths.length ? { status: [400], paths, allowed } : doubtful.length ? { allowed } : { ok: true, status: [okStatus] };
    return onWire(op, ms.length ? ms.map((m) => m.label).join('; ') : 'valid', toJson(b), ww, expect);
  });
}

/** PUT /v1/settings bodies. */
export const putSettingsRequests = (ctx: FuzzContext): fc.Arbitrary<FuzzRequest> => {
  const valid = fc.record({
    retentionDays: fc.integer({ min: 1, max: ctx.maxRetentionDays }),
    recording: fc.dictionary(ident(20), fc.boolean(), { maxKeys: 4, noNullPrototype: true }),
  }, { requiredKeys: [] }).map((o) => clone(o as Obj));
  const recordingKey = (key: string, value: unknown = false, broken = true) =>
    fieldMutation(`recording.${key.length > 20 ? `${key.slice(0, 8)}…` : key}=${show(value)}`, (b) => {
      // A `recording` broken by an earlier mutation stays as it is.
      if (b.recording !== undefined && !isObj(b.recording)) return {};
      put(b, 'recording', put({ ...(b.recording as Obj | undefined) }, key, value));
      return broken ? { must: [`recording.${key}`] } : {};
    }, (b) => (b.recording !== undefined && !isObj(b.recording) ? undefined : `recording.${key}`));
  const mutations = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom<unknown>('30', 30.5, 0, -1, ctx.maxRetentionDays + 1, new Raw('1e400'), true, [30], {}, '', new Raw('1e4')).map((v) => setField('retentionDays', v)) },
    { weight: 1, arbitrary: fc.constant(nullField('retentionDays')) },
    { weight: 2, arbitrary: fc.constantFrom<unknown>([], 'x', 42, true, [{ auth: false }]).map((v) => setField('recording', v)) },
    // `__proto__` cannot name a category (as an object key it cannot be stored and read back); `constructor` and `prototype` can.
    { weight: 3, arbitrary: fc.constantFrom('__proto__', 'Auth', 'a.b', ' auth', 'clé', 'x'.repeat(65)).map((k) => recordingKey(k)) },
    { weight: 1, arbitrary: fc.constantFrom('constructor', 'prototype', 'x'.repeat(64)).map((k) => recordingKey(k, true, false)) },
    { weight: 2, arbitrary: fc.constantFrom<unknown>('true', 1, 0, null, {}, [], 'false').map((v) => recordingKey('auth', v)) },
    { weight: 2, arbitrary: fc.tuple(depthArb, shapeArb).map(([d, s]) => recordingKey('auth', new Raw(deepJson(d, s)))) },
    { weight: 3, arbitrary: unknownField },
    { weight: 1, arbitrary: fc.tuple(depthArb, shapeArb).map(([d, s]) => setField('junk', new Raw(deepJson(d, s)))) },
  );
  return bodyRequests('putSettings', valid, mutations, 200, { valid: 2, broken: 4 });
};

/** POST /v1/tokens bodies. */
export const createTokenRequests = (ctx: FuzzContext): fc.Arbitrary<FuzzRequest> => {
  const scopes = ['events:write', 'events:read', 'exports:write', 'admin'];
  const valid = fc.record({
    name: text(128),
    scopes: fc.uniqueArray(fc.constantFrom(...scopes), { minLength: 1, maxLength: 4 }),
    expiresAt: fc.integer({ min: 3_600_000, max: 365 * 86_400_000 }).map((ms) => new Date(ctx.now + ms).toISOString()),
  }, { requiredKeys: ['name', 'scopes'] }).map((o) => clone(o as Obj));
  const mutations = fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom<unknown>(42, '', '   ', 'x'.repeat(129), [], {}, true).map((v) => setField('name', v)) },
    { weight: 2, arbitrary: fc.constantFrom<unknown>([], 'admin', ['root'], [null], ['admin', 'admin', 'admin', 'admin', 'admin'], [1], {}, ['ADMIN'], ['events:*']).map((v) => setField('scopes', v)) },
    { weight: 1, arbitrary: fc.constantFrom('name', 'scopes').map(dropField) },
    { weight: 2, arbitrary: fc.constantFrom<unknown>(new Date(ctx.now - 86_400_000).toISOString(), `${yesterday(ctx.now + 2 * 86_400_000)}T24:00:00Z`, 'never', 0, '2027-02-30T00:00:00Z', '').map((v) => setField('expiresAt', v)) },
    { weight: 1, arbitrary: fc.constant(nullField('expiresAt')) },
    { weight: 3, arbitrary: unknownField },
    { weight: 1, arbitrary: fc.tuple(depthArb, shapeArb).map(([d, s]) => setField('name', new Raw(deepJson(d, s)))) },
  );
  return bodyRequests('createToken', valid, mutations, 201);
};

/** POST /v1/exports bodies; valid ones start an export, so they are rare. */
export const createExportRequests = (ctx: FuzzContext): fc.Arbitrary<FuzzRequest> => {
  const filters = fc.record({
    range: fc.constantFrom('24h', '7d'),
    action: fc.oneof(action, fc.array(action, { minLength: 1, maxLength: 3 })),
    actor: text(128),
    result: fc.constantFrom('success', 'failure'),
  }, { requiredKeys: [] });
  const valid = fc.record({ email, filters, format: fc.constant('csv') }, { requiredKeys: ['email'] }).map((o) => clone(o as Obj));
  const filter = (key: string, value: unknown) =>
    fieldMutation(`filters.${key}=${show(value)}`, (b) => {
      // `filters` broken by an earlier mutation stays as it is.
      if (b.filters !== undefined && !isObj(b.filters)) return {};
      put(b, 'filters', put({ ...(b.filters as Obj | undefined) }, key, value));
      return { must: [`filters.${key}`] };
    }, (b) => (b.filters !== undefined && !isObj(b.filters) ? undefined : `filters.${key}`));
  const mutations = fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom<unknown>('not-an-email', '', 42, null, ['a@b.co'], `${'x'.repeat(320)}@example.com`).map((v) => setField('email', v)) },
    { weight: 1, arbitrary: fc.constant(dropField('email')) },
    { weight: 1, arbitrary: fc.constantFrom<unknown>('xlsx', 'CSV', 1).map((v) => setField('format', v)) },
    { weight: 1, arbitrary: fc.constantFrom('format', 'filters').map(nullField) },
    { weight: 2, arbitrary: fc.constantFrom<unknown>([], 'x', 1, true).map((v) => setField('filters', v)) },
    { weight: 3, arbitrary: fc.constantFrom(...PROTO_KEYS, 'limit', 'cursor', 'foo', 'Actor').map((k) => filter(k, '1')) },
    { weight: 2, arbitrary: fc.constantFrom<[string, unknown]>(['from', `${yesterday(ctx.now)}T24:00:00Z`], ['from', 'yesterday'], ['to', 5], ['range', '1y'], ['action', 'Bad.Action'], ['action', ['a.b', 7]], ['result', 'ok'], ['q', ''], ['actorEmail', 'x']).map(([k, v]) => filter(k, v)) },
    { weight: 1, arbitrary: fc.tuple(depthArb, shapeArb).map(([d, s]) => filter('actor', new Raw(deepJson(d, s)))) },
    { weight: 3, arbitrary: unknownField },
  );
  return bodyRequests('createExport', valid, mutations, 202, { valid: 1, broken: 40 });
};

// ---------------------------------------------------------------------------
// By id, and plain reads

const HOSTILE_IDS = ['', ' ', 'x'.repeat(129), 'x'.repeat(5_000), '../x', '..', '%2F', 'ü', 'a b', '\u0000', '\ud800', '__proto__', 'constructor', '01JD00000000000000000000ZZ', 'TOKEN#x', 'a#b', '*', "' OR 1=1 --"];
const hostileId = fc.oneof(fc.constantFrom(...HOSTILE_IDS), fc.string({ maxLength: 64 }), fc.string({ unit: fc.constantFrom(...ID_CHARS), minLength: 1, maxLength: 128 }), fc.string({ unit: fc.constantFrom(...'0123456789abcdefghjkmnpqrstvwxyz'.split('')), minLength: 26, maxLength: 26 }));

const byId = (op: Op, known: KnownId['known'], okStatus: number): fc.Arbitrary<FuzzRequest> => fc.oneof(
  { weight: 3, arbitrary: hostileId.map((id) => request({ op, label: 'hostile id', pathId: id, expect: { status: [404, okStatus] } })) },
  { weight: 1, arbitrary: fc.nat().map((pick) => request({ op, label: `a ${known} of this run`, pathId: { known, pick }, expect: { status: [okStatus, 404] } })) },
);

/** GET /v1/events/{id}, GET /v1/exports/{id}, DELETE /v1/tokens/{id} with hostile and real ids, and the plain reads. */
export const byIdRequests = (): fc.Arbitrary<FuzzRequest> => fc.oneof(
  { weight: 4, arbitrary: byId('getEvent', 'event', 200) },
  { weight: 2, arbitrary: byId('revokeToken', 'token', 200) },
  { weight: 2, arbitrary: byId('getExport', 'export', 200) },
  { weight: 1, arbitrary: fc.constantFrom<Op>('getSettings', 'listTokens').map((op) => request({ op, label: 'read', expect: { ok: true, status: [200] } })) },
);

/** One family of requests: its generator, its share of the runs, and how many events its tenant holds first. */
export interface Family {
  readonly name: string;
  readonly share: number;
  readonly requests: (ctx: FuzzContext) => fc.Arbitrary<FuzzRequest>;
  /** Valid events loaded into the family's tenant before it runs. @default 0 */
  readonly seedEvents?: number;
}

/** The request families (the suite and the bench run the same ones, with the same seeds and runs). */
export const FAMILIES: readonly Family[] = [
  { name: 'POST /v1/events, one event', share: 0.16, requests: (ctx) => ingestRequests(ctx, 'single') },
  { name: 'POST /v1/events, batches', share: 0.24, requests: (ctx) => ingestRequests(ctx, 'batch') },
  { name: 'GET /v1/events', share: 0.16, requests: listEventsRequests, seedEvents: 200 },
  { name: 'GET /v1/access-logs', share: 0.08, requests: listAccessLogsRequests, seedEvents: 200 },
  { name: 'GET /v1/exports', share: 0.04, requests: listExportsRequests },
  { name: 'PUT /v1/settings', share: 0.1, requests: putSettingsRequests },
  { name: 'POST /v1/tokens', share: 0.08, requests: createTokenRequests },
  { name: 'POST /v1/exports', share: 0.06, requests: createExportRequests },
  { name: 'by id and plain reads', share: 0.08, requests: () => byIdRequests(), seedEvents: 100 },
];

/** Runs of a whole fuzz run (each family gets its share), each sending a group of {@link GROUP} requests at once. */
export const FUZZ_RUNS = 4_200;
/** Requests per run, sent concurrently like clients do. */
export const GROUP = { minLength: 1, maxLength: 4 } as const;

/** The runs of `family` in a fuzz run of `runs`, and its seed. */
export const familyRuns = (family: Family, runs = FUZZ_RUNS) => ({ seed: FUZZ_SEED + FAMILIES.indexOf(family), numRuns: Math.max(1, Math.round(runs * family.share)) });
