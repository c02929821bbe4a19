/**
 * The benchmark's own build: `src` and `bench` compiled by tsc (`tsconfig.bench.json` → `bench/.build`), so the case
 * processes and the simulator process run plain JavaScript under plain `node`, as the Docker image runs `dist/`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRepoRoot(): string {
  // Walk up rather than count `..`: this file runs from bench/lib/ and from <build dir>/bench/lib/.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'tsconfig.bench.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no tsconfig.bench.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/** The repository root (the directory holding `tsconfig.bench.json`), from the sources or from a build. */
export const REPO_ROOT: string = findRepoRoot();

/** Where `tsconfig.bench.json` puts the compiled JavaScript. */
export const DEFAULT_BUILD_DIR: string = join(REPO_ROOT, 'bench', '.build');

export interface BuildOptions {
  /** Output directory (default `bench/.build`); must be inside the repository so `node_modules` resolves. */
  outDir?: string;
  /** Type-check as `npm run build` does (default true); false emits the same JavaScript without the check (`--noCheck`). */
  typeCheck?: boolean;
}

export interface Build {
  outDir: string;
  /** The compiled `bench/run.js`. */
  runScript: string;
  ms: number;
}

/** Compiles `src` and `bench` with the repository's TypeScript; throws with tsc's diagnostics if it fails. */
export function buildBench(opts: BuildOptions = {}): Build {
  const outDir = opts.outDir ?? DEFAULT_BUILD_DIR;
  const t0 = performance.now();
  const args = [join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(REPO_ROOT, 'tsconfig.bench.json'), '--outDir', outDir];
  if (opts.typeCheck === false) args.push('--noCheck');
  try {
    execFileSync(process.execPath, args, { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    const out = `${e.stdout ?? ''}${e.stderr ?? ''}`.trim();
    throw new Error(`tsc -p tsconfig.bench.json failed (run with --no-build to use the TypeScript sources under tsx):\n${out || e.message}`);
  }
  // src/fxsocket/version.ts reads `../../package.json` for the User-Agent, which from <outDir>/src/fxsocket/ is this
  // file; `type: module` keeps the output ESM wherever the directory sits.
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version?: string };
  writeFileSync(join(outDir, 'package.json'), `${JSON.stringify({ private: true, type: 'module', version: pkg.version ?? '0.0.0' }, null, 2)}\n`);
  return { outDir, runScript: join(outDir, 'bench', 'run.js'), ms: performance.now() - t0 };
}

/** `outDir` as the log and the results show it: relative to the repository when inside it. */
export function displayPath(path: string): string {
  const rel = relative(REPO_ROOT, path);
  return rel && !rel.startsWith('..') ? rel : path;
}
