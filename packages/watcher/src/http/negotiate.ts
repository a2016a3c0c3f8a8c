export type Representation = 'text' | 'json';

interface Range {
  type: string;
  q: number;
}

function parseAccept(accept: string): Range[] {
  return accept
    .split(',')
    .map((part) => {
      const [type = '', ...params] = part.trim().toLowerCase().split(';');
      let q = 1;
      for (const p of params) {
        const [k, v] = p.trim().split('=');
        if (k === 'q' && v !== undefined && /^[0-9.]+$/.test(v)) q = Number(v);
      }
      return { type: type.trim(), q };
    })
    .filter((r) => r.type.length > 0);
}

function quality(ranges: Range[], type: string): number {
  const [major] = type.split('/');
  let best = -1;
  let specificity = -1;
  for (const r of ranges) {
    const s = r.type === type ? 2 : r.type === `${major}/*` ? 1 : r.type === '*/*' ? 0 : -1;
    if (s > specificity) {
      specificity = s;
      best = r.q;
    }
  }
  return specificity < 0 ? 0 : best;
}

/**
 * The original API answered plain text; JSON only when the client asks for it by preferring
 * application/json. undefined: the client accepts neither (406).
 */
export function negotiate(accept: string | undefined): Representation | undefined {
  if (accept === undefined || accept.trim() === '') return 'text';
  const ranges = parseAccept(accept);
  if (ranges.length === 0) return 'text';
  const text = quality(ranges, 'text/plain');
  const json = quality(ranges, 'application/json');
  if (text <= 0 && json <= 0) return undefined;
  return json > text ? 'json' : 'text';
}

/** For the JSON-only endpoints: the same rules, with JSON the one representation (undefined: 406). */
export function acceptsJson(accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === '') return true;
  const ranges = parseAccept(accept);
  return ranges.length === 0 || quality(ranges, 'application/json') > 0;
}

/** The status page goes to browsers: clients that name text/html itself (curl's wildcard Accept gets JSON). */
export function wantsHtml(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  return parseAccept(accept).some((r) => r.type === 'text/html' && r.q > 0);
}
