/**
 * Token restrictions: fixed filters (`project`, `actor`, `resourceType`, `category`) a token
 * carries and every read made with it is ANDed with, server-side. A request cannot widen them:
 * a filter on a restricted field with another value selects nothing (not an error), and an
 * event outside them does not exist for the token (404). Pure, no AWS SDK.
 */
import type { EventFilter, Restriction } from './schemas.js';

/** The restricted fields, in the order they are reported. */
export const RESTRICTED_FIELDS = ['project', 'actor', 'resourceType', 'category'] as const;

/**
 * `filter` ANDed with `restrict`: the restricted fields are set to their fixed values. `null`
 * when the filter asks for another value of a restricted field: the read selects nothing.
 */
export function restrictFilter<F extends Partial<EventFilter>>(filter: F, restrict: Restriction | undefined): F | null {
  if (!restrict) return filter;
  const out: Record<string, unknown> = { ...filter };
  for (const field of RESTRICTED_FIELDS) {
    const fixed = restrict[field];
    if (fixed === undefined) continue;
    if (out[field] !== undefined && out[field] !== fixed) return null;
    out[field] = fixed;
  }
  return out as F;
}

/**
 * The restriction of a token created by a token restricted by `creator`: the creator's fixed
 * filters ANDed with the requested ones. A token can only narrow what its creator sees; a
 * requested value that contradicts the creator's is reported as the field that conflicts.
 */
export function narrowRestriction(creator: Restriction | undefined, requested: Restriction | undefined): { restrict?: Restriction; conflict?: (typeof RESTRICTED_FIELDS)[number] } {
  if (!creator) return requested ? { restrict: requested } : {};
  const out: Record<string, string> = {};
  for (const field of RESTRICTED_FIELDS) {
    const a = creator[field];
    const b = requested?.[field];
    if (a !== undefined && b !== undefined && a !== b) return { conflict: field };
    const value = a ?? b;
    if (value !== undefined) out[field] = value;
  }
  return { restrict: out as Restriction };
}

/** A restriction as it travels in the authorizer context (a flat string map): compact JSON, or absent. */
export const encodeRestriction = (restrict: Restriction | undefined): string | undefined => (restrict ? JSON.stringify(restrict) : undefined);

/** The inverse of {@link encodeRestriction}; anything unreadable restricts to nothing rather than to everything. */
export function decodeRestriction(text: string | undefined): Restriction | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as Record<string, unknown>;
    const out: Record<string, string> = {};
    for (const field of RESTRICTED_FIELDS) if (typeof value[field] === 'string') out[field] = value[field];
    if (Object.keys(out).length) return out as Restriction;
  } catch {
    // fall through
  }
  // Fail closed: a token whose restriction cannot be read sees nothing.
  return { project: '\u0000unreadable restriction' };
}

/**
 * Whether a caller restricted by `viewer` may see something made under `made` (an export):
 * only when `made` is restricted at least as much, field by field.
 */
export function withinRestriction(made: Restriction | undefined, viewer: Restriction | undefined): boolean {
  if (!viewer) return true;
  return RESTRICTED_FIELDS.every((field) => viewer[field] === undefined || made?.[field] === viewer[field]);
}
