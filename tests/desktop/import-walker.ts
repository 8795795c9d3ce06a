/**
 * Walks a module graph from entry files and reports every path that reaches a
 * forbidden module (here: 'electron'). Uses the oxc parser Vite ships
 * (`parseSync`), so comments and strings never count, and it sees static
 * imports (type-only too), `export ... from`, dynamic `import()` and, in
 * node_modules' CommonJS, `require()`. Dependencies are followed into
 * node_modules as Node would resolve them.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, extname, join, relative, resolve } from 'node:path';
import { parseSync } from 'vite';

export interface Finding {
  /** Entry → ... → the importing file → the forbidden specifier. */
  chain: string[];
}

export interface WalkReport {
  visited: number;
  findings: Finding[];
  /** Dynamic imports whose target is computed: the walker cannot follow them. */
  computedImports: string[];
}

const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const SOURCE_EXTS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.mjs', '.cjs', '.jsx'];

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Relative specifier → file, trying what TypeScript and Node would try. */
function resolveRelative(from: string, spec: string): string | null {
  const base = resolve(dirname(from), spec);
  const candidates = [base, ...SOURCE_EXTS.map((e) => base + e), ...SOURCE_EXTS.map((e) => join(base, `index${e}`))];
  // "./x.js" written for a .ts file (NodeNext style).
  if (/\.[cm]?js$/.test(spec)) candidates.push(base.replace(/\.([cm]?)js$/, '.$1ts'));
  return candidates.find(isFile) ?? null;
}

function resolvePackage(from: string, spec: string): string | null {
  try {
    const target = createRequire(from).resolve(spec);
    return isFile(target) ? target : null;
  } catch {
    return null; // optional dependencies (ws's bufferutil...) may be absent
  }
}

function walkAst(node: unknown, visit: (n: Record<string, unknown>) => void): void {
  if (Array.isArray(node)) {
    for (const child of node) walkAst(child, visit);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const n = node as Record<string, unknown>;
  if (typeof n.type === 'string') visit(n);
  for (const key of Object.keys(n)) {
    if (key === 'parent' || key === 'start' || key === 'end' || key === 'range' || key === 'loc') continue;
    const v = n[key];
    if (v && typeof v === 'object') walkAst(v, visit);
  }
}

/** Every module specifier a file names. */
export function specifiersOf(file: string, source: string): { specifiers: string[]; computed: number } {
  const lang = /\.tsx$/.test(file) ? 'tsx' : /\.[cm]?ts$/.test(file) ? 'ts' : /\.jsx$/.test(file) ? 'jsx' : 'js';
  const result = parseSync(file, source, { lang, sourceType: 'unambiguous' });
  const specifiers: string[] = [];
  let computed = 0;
  for (const imp of result.module.staticImports) specifiers.push(imp.moduleRequest.value);
  for (const exp of result.module.staticExports) for (const e of exp.entries) if (e.moduleRequest) specifiers.push(e.moduleRequest.value);
  for (const dyn of result.module.dynamicImports) {
    const text = source.slice(dyn.moduleRequest.start, dyn.moduleRequest.end).trim();
    const literal = /^(['"`])([^'"`$]*)\1$/.exec(text);
    if (literal) specifiers.push(literal[2]);
    else computed++;
  }
  // require('x') in CommonJS dependencies (and createRequire users).
  walkAst(result.program, (n) => {
    if (n.type !== 'CallExpression') return;
    const callee = n.callee as Record<string, unknown> | undefined;
    const args = n.arguments as Record<string, unknown>[] | undefined;
    if (callee?.type === 'Identifier' && callee.name === 'require' && args?.[0]?.type === 'Literal' && typeof args[0].value === 'string') {
      specifiers.push(args[0].value);
    }
  });
  return { specifiers, computed };
}

export function walkImports(entries: string[], opts: { forbidden: (spec: string) => boolean; root: string; maxFiles?: number }): WalkReport {
  const parent = new Map<string, string | null>();
  const queue: string[] = [];
  for (const e of entries) {
    const abs = resolve(e);
    if (!existsSync(abs)) throw new Error(`entry ${e} does not exist`);
    if (!parent.has(abs)) {
      parent.set(abs, null);
      queue.push(abs);
    }
  }
  const findings: Finding[] = [];
  const computedImports: string[] = [];
  const name = (p: string) => relative(opts.root, p) || p;
  const chainTo = (file: string): string[] => {
    const chain: string[] = [];
    for (let f: string | null | undefined = file; f; f = parent.get(f)) chain.unshift(name(f));
    return chain;
  };

  while (queue.length) {
    const file = queue.shift()!;
    if (parent.size > (opts.maxFiles ?? 20_000)) throw new Error('import graph unexpectedly large');
    if (!SOURCE_EXTS.includes(extname(file)) && extname(file) !== '') continue; // .json, .node
    const { specifiers, computed } = specifiersOf(file, readFileSync(file, 'utf8'));
    if (computed && !file.includes(`${join('node_modules')}`)) computedImports.push(name(file));
    for (const spec of specifiers) {
      if (opts.forbidden(spec)) {
        findings.push({ chain: [...chainTo(file), spec] });
        continue;
      }
      if (BUILTINS.has(spec)) continue;
      const target = spec.startsWith('.') || spec.startsWith('/') ? resolveRelative(file, spec) : resolvePackage(file, spec);
      if (target && !parent.has(target)) {
        parent.set(target, file);
        queue.push(target);
      }
    }
  }
  return { visited: parent.size, findings, computedImports };
}

export const importsElectron = (spec: string): boolean => spec === 'electron' || spec.startsWith('electron/');
