/**
 * Token restrictions (core/restrictions.ts): fixed filters ANDed into every read, never
 * widened; a token created by a restricted token only narrows them.
 */
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { decodeRestriction, encodeRestriction, narrowRestriction, restrictFilter } from '../../lambdas/core/restrictions.js';
import { restrictionSchema } from '../../lambdas/core/schemas.js';

describe('restrictFilter', () => {
  it('sets the restricted fields on a filter that leaves them open', () => {
    // Act
    const f = restrictFilter({ action: ['project.updated'], range: '24h' as const }, { project: 'p_7', category: 'project' });

    // Assess
    expect(f).toEqual({ action: ['project.updated'], range: '24h', project: 'p_7', category: 'project' });
  });

  it('keeps a filter that asks for the restricted value itself', () => {
    expect(restrictFilter({ project: 'p_7' }, { project: 'p_7' })).toEqual({ project: 'p_7' });
  });

  it('selects nothing (null) when the filter asks for another value of a restricted field: it cannot widen', () => {
    expect(restrictFilter({ project: 'p_8' }, { project: 'p_7' })).toBeNull();
    expect(restrictFilter({ actor: 'u_2', project: 'p_7' }, { project: 'p_7', actor: 'u_1' })).toBeNull();
  });

  it('leaves every filter alone without a restriction', () => {
    const filter = { project: 'p_8' };
    expect(restrictFilter(filter, undefined)).toBe(filter);
  });
});

describe('narrowRestriction (a token created with a restricted token)', () => {
  it('inherits the creator restriction and adds the requested fields', () => {
    expect(narrowRestriction({ project: 'p_7' }, { actor: 'u_1' })).toEqual({ restrict: { project: 'p_7', actor: 'u_1' } });
    expect(narrowRestriction({ project: 'p_7' }, undefined)).toEqual({ restrict: { project: 'p_7' } });
  });

  it('reports the field of a requested value that contradicts the creator', () => {
    expect(narrowRestriction({ project: 'p_7' }, { project: 'p_8' })).toEqual({ conflict: 'project' });
  });

  it('an unrestricted creator may restrict as it likes, or not at all', () => {
    expect(narrowRestriction(undefined, { category: 'auth' })).toEqual({ restrict: { category: 'auth' } });
    expect(narrowRestriction(undefined, undefined)).toEqual({});
  });
});

describe('restriction in the authorizer context', () => {
  it('round-trips', () => {
    const r = { project: 'p_7', resourceType: 'survey' };
    expect(decodeRestriction(encodeRestriction(r))).toEqual(r);
    expect(decodeRestriction(encodeRestriction(undefined))).toBeUndefined();
  });

  it('fails closed: an unreadable restriction restricts to nothing, never to everything', () => {
    for (const bad of ['{', '{}', '[]', '{"project": 7}']) {
      const r = decodeRestriction(bad);
      expect(r).toBeDefined();
      expect(r!.project).toContain('unreadable');
    }
  });
});

describe('restrictionSchema', () => {
  it('takes any of project, actor, resourceType, category', () => {
    expect(v.parse(restrictionSchema, { project: 'p_7', category: 'auth' })).toEqual({ project: 'p_7', category: 'auth' });
  });

  it('refuses an empty restriction, unknown fields and bad values', () => {
    expect(v.safeParse(restrictionSchema, {}).success).toBe(false);
    expect(v.safeParse(restrictionSchema, { tenant: 'other' }).success).toBe(false);
    expect(v.safeParse(restrictionSchema, { category: 'Not A Category' }).success).toBe(false);
    expect(v.safeParse(restrictionSchema, { project: '' }).success).toBe(false);
  });
});
