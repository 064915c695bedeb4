/**
 * The API reference in the repository (docs/openapi.json, docs/API.md) is exactly what
 * `npm run docs` (scripts/docs.ts) generates from the validating schemas and the limits,
 * so it cannot drift from the code; and it documents every route the stack serves.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../lambdas/core/limits.js';
import { openApiDocument } from '../../lambdas/docs/spec.js';
import { ROUTES, routeKey } from '../../lib/catalogue.js';
import { renderDocs } from '../../scripts/docs.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const generated = renderDocs();
const committed = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** `line N: <committed> / <generated>` at the first difference, for a readable failure. */
function firstDifference(a: string, b: string): string {
  const [x, y] = [a.split('\n'), b.split('\n')];
  const i = x.findIndex((line, k) => line !== y[k]);
  const at = i < 0 ? x.length : i;
  return `line ${at + 1}:\n  committed: ${x[at] ?? '(end of file)'}\n  generated: ${y[at] ?? '(end of file)'}`;
}

describe('docs/ (npm run docs)', () => {
  it.each(Object.keys(generated))('%s is what npm run docs generates from the code', (path) => {
    // Act
    const text = committed(path);

    // Assess
    expect(text === generated[path], `${path} is stale: run \`npm run docs\` and commit it. First difference at ${firstDifference(text, generated[path]!)}`).toBe(true);
  });

  it('has docs/openapi.json equal to the document GET /v1/openapi.json serves', () => {
    expect(JSON.parse(committed('docs/openapi.json'))).toEqual(JSON.parse(JSON.stringify(openApiDocument)));
  });

  it('documents every route of lib/catalogue.ts, and no other, in both files', () => {
    // Prepare
    const paths = openApiDocument.paths as Record<string, Record<string, unknown>>;
    const documented = Object.entries(paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`));
    const served = ROUTES.map((r) => routeKey(r));

    // Assess
    expect([...documented].sort()).toEqual([...served].sort());
    for (const route of served) expect(generated['docs/API.md']).toContain(`### ${route}\n`);
  });

  it('states the limits a client meets and the accepted timestamp format', () => {
    // Act
    const md = generated['docs/API.md']!;

    // Assess
    const n = (x: number) => x.toLocaleString('en-US');
    expect(md).toContain(`| Events per \`POST /v1/events\` | ${LIMITS.batchSize} |`);
    for (const bytes of [LIMITS.maxBodyBytes, LIMITS.maxEventBytes, LIMITS.maxMetadataBytes, LIMITS.maxChangesBytes]) expect(md).toContain(`${n(bytes)} bytes`);
    expect(md).toContain(`${LIMITS.maxNestingDepth} levels of objects and arrays`);
    expect(md).toContain(`1-${LIMITS.maxPageSize}, default ${LIMITS.defaultPageSize}`);
    expect(md).toContain('hours 00-23 (`24:00` is rejected');
  });
});
