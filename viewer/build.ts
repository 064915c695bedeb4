/**
 * Builds the web viewer into static files with the project's esbuild: one ES module
 * (`audit-log-viewer.js`: the `<audit-log-viewer>` element, Lit and its styles; it also
 * signs the standalone page in from the URL fragment), a small one the standalone page
 * loads first (`early.js`: sends the first requests while the main one downloads; see
 * src/prefetch.ts), the standalone page `index.html` and its stylesheet. No inline script or style anywhere, so the page runs under a CSP
 * without `unsafe-inline`.
 *
 *   npx tsx viewer/build.ts [--out DIR]    # default: viewer/dist
 *
 * The CDK bundling of the viewer function and the local runner call {@link buildViewer}.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const HERE = dirname(fileURLToPath(import.meta.url));

/** One built file. */
export interface ViewerFile {
  readonly body: Buffer;
  readonly contentType: string;
}

/** The built viewer: file name (no directory) → contents. */
export type ViewerBuild = ReadonlyMap<string, ViewerFile>;

/** The file names the viewer function serves. */
export const VIEWER_FILES = { page: 'index.html', script: 'audit-log-viewer.js', early: 'early.js', style: 'page.css' } as const;

/** Options of {@link buildViewer}. */
export interface BuildViewerOptions {
  /** Also write the files here (created if absent). @default - only in memory */
  readonly outDir?: string;
  /** @default true */
  readonly minify?: boolean;
}

/** Builds the viewer; resolves to its files. */
export async function buildViewer(opts: BuildViewerOptions = {}): Promise<ViewerBuild> {
  const result = await build({
    entryPoints: { 'audit-log-viewer': join(HERE, 'src/audit-log-viewer.ts'), early: join(HERE, 'src/prefetch.ts') },
    bundle: true,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    minify: opts.minify ?? true,
    legalComments: 'none',
    write: false,
    outdir: '.',
    tsconfig: join(HERE, 'tsconfig.json'),
    logLevel: 'silent',
  });
  const script = (name: string): [string, ViewerFile] => {
    const out = result.outputFiles.find((f) => basename(f.path) === name);
    if (!out) throw new Error(`esbuild did not produce ${name}`);
    return [name, { body: Buffer.from(out.contents), contentType: 'text/javascript; charset=utf-8' }];
  };
  const files = new Map<string, ViewerFile>([
    script(VIEWER_FILES.script),
    script(VIEWER_FILES.early),
    [VIEWER_FILES.page, { body: await readFile(join(HERE, 'index.html')), contentType: 'text/html; charset=utf-8' }],
    [VIEWER_FILES.style, { body: await readFile(join(HERE, 'page.css')), contentType: 'text/css; charset=utf-8' }],
  ]);
  if (opts.outDir) {
    await mkdir(opts.outDir, { recursive: true });
    await Promise.all([...files].map(([name, f]) => writeFile(join(opts.outDir!, name), f.body)));
  }
  return files;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const at = process.argv.indexOf('--out');
  const outDir = at > 0 ? process.argv[at + 1] : join(HERE, 'dist');
  const files = await buildViewer({ outDir });
  for (const [name, f] of files) console.log(`${name.padEnd(22)} ${String(f.body.length).padStart(8)} B`);
}
