/**
 * Every file path the documentation names exists. Checked:
 *  - inline code (`...`) in docs/*.md, README.md and every README.md under
 *    main/, preload/, renderer/, resources/, tests/ (fenced blocks are
 *    examples: skipped), and the relative links of those documents
 *    ([text](../main/x.ts), [text](storage.md#anchor)), which must resolve
 *    from the document's folder;
 *  - the first comment block (the file header) of every .ts/.tsx file under
 *    main/, preload/ and renderer/src/: inline code, and bare words that
 *    start with a top-level folder of the repository (main/..., tests/...).
 *
 * The rule for what counts as a path (each whitespace-separated word of a
 * code span is looked at on its own, so commands like
 * `npx tsx main/sim-onvif/cli.ts --count 3` are checked too):
 *  - it contains a "/" and either starts with a top-level folder of the
 *    repository (TOP_LEVEL) or ends in a known file extension (EXTENSIONS);
 *  - and it is not a URL, an HTTP route (starts with "/"), a home path ("~"),
 *    a glob over node_modules, or a path inside the data folder or another
 *    place that is not in git (NOT_IN_REPO: DIR/, recordings/, exports/,
 *    out/, dist/, the ffmpeg binaries fetched into resources/ffmpeg/<platform>-<arch>/
 *    at packaging, ...; docs/storage.md describes the data folder);
 *  - in a header comment, a bare word (outside backticks) must also look like
 *    a file (an extension) or a folder (a trailing "/"): "main/sub" is two
 *    stream kinds, not a path.
 * It must then exist relative to the repository root, to the document's (or
 * source file's) folder, or to main/engine/, main/ or renderer/src/ (the docs
 * write engine paths like `storage/reconcile.ts`, UI paths like `forms/format.ts`). Placeholders match any one path part:
 * `<camera>`, `${arch}`, `NNN`, `*`; `**` matches any depth. A trailing "/"
 * names a folder.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const SKIP_DIRS = new Set(['node_modules', '.git', 'out', 'dist', 'test-artifacts', 'demo-data', 'scratch']);
const TOP_LEVEL = ['main', 'preload', 'renderer', 'tests', 'docs', 'scripts', 'bench', 'resources', '.ci'];
const EXTENSIONS = /\.(ts|tsx|mts|mjs|cjs|js|md|sql|py|css|html|json|ya?ml|svg|png|ico|icns|sh)$/;
const NOT_IN_REPO =
  /^(DIR|DATA|recordings|exports|thumbnails|out|dist|node_modules|test-artifacts|demo-data|bench\/reports|vendor|c<|keepwatch-export|app\.asar|<resources>|<parentDir>|<folder>)(\/|$)|^\.\.\.\/|^resources\/ffmpeg\/[<*$]/;

/** Every file and folder of the repository (folders with a trailing "/"), relative to the root. */
function repoEntries(dir = ROOT, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (SKIP_DIRS.has(name)) continue;
    const p = join(dir, name);
    const rel = relative(ROOT, p);
    if (statSync(p).isDirectory()) {
      out.push(`${rel}/`);
      repoEntries(p, out);
    } else out.push(rel);
  }
  return out;
}
const ENTRIES = repoEntries();
const ENTRY_SET = new Set(ENTRIES);

/** A path word with placeholders → a regular expression over repository entries. */
function patternOf(path: string): RegExp {
  const escaped = path
    .replace(/[.+?^()|[\]\\]/g, '\\$&')
    .replace(/\$\\?\{[^}]*\}|<[^>]+>|NNN/g, '\u0001')
    .replace(/\*\*/g, '\u0002')
    .replace(/\*/g, '\u0001')
    .replace(/\{/g, '\\{')
    .replace(/\}/g, '\\}')
    .replace(/\$/g, '\\$');
  return new RegExp(`^${escaped.replace(/\u0002/g, '.*').replace(/\u0001/g, '[^/]*')}$`);
}

function exists(path: string, bases: string[]): boolean {
  const folder = path.endsWith('/');
  for (const base of bases) {
    const rel = relative(ROOT, resolve(ROOT, base, path)) + (folder ? '/' : '');
    if (rel.startsWith('..')) continue;
    if (ENTRY_SET.has(rel) || (!folder && ENTRY_SET.has(`${rel}/`))) return true;
    if (/[<*]|\$\{|NNN/.test(rel)) {
      const re = patternOf(rel);
      if (ENTRIES.some((e) => re.test(e) || re.test(e.replace(/\/$/, '')))) return true;
    }
  }
  return false;
}

/** Is this word a path in the repository (by the rule above)? */
export function isRepoPath(word: string): boolean {
  if (!word.includes('/') || /^[a-z][a-z0-9+.-]*:/i.test(word) || /^[/~$]/.test(word)) return false;
  if (NOT_IN_REPO.test(word)) return false;
  const top = word.replace(/^(\.\.?\/)+/, '').split('/')[0];
  return TOP_LEVEL.includes(top) || EXTENSIONS.test(word.replace(/[#:].*$/, ''));
}

/** The path words of a text (punctuation around them trimmed; "file.ts:57" and "#anchor" dropped). */
function pathWords(text: string): string[] {
  return text
    .split(/[\s,;()'"]+/)
    .map((w) => w.replace(/^[`*[]+|[`*\].:!?]+$/g, '').replace(/(\.[a-z]+)(:\d+)+$/, '$1').replace(/#.*$/, ''))
    .filter((w) => w.length > 0 && isRepoPath(w));
}

function inlineCode(markdown: string): string[] {
  const withoutFences = markdown.replace(/^```[\s\S]*?^```/gm, '');
  return [...withoutFences.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]);
}

function filesUnder(dir: string, test: (name: string) => boolean): string[] {
  return ENTRIES.filter((e) => e.startsWith(`${dir}/`) && !e.endsWith('/') && test(e.split('/').pop()!));
}

/** The first comment block of a source file (`/** ... *\/`, `/* ... *\/` or leading `//` lines). */
export function headerComment(source: string): string {
  const s = source.replace(/^#!.*\n/, '').trimStart();
  if (s.startsWith('/*')) return s.slice(0, s.indexOf('*/') + 2);
  const lines: string[] = [];
  for (const line of s.split('\n')) {
    if (!line.trim().startsWith('//')) break;
    lines.push(line);
  }
  return lines.join('\n');
}

interface Mention {
  where: string;
  path: string;
}

/** Does the word's first folder exist at one of the bases? If not, it names another project's file. */
function firstFolderKnown(word: string, bases: string[]): boolean {
  const top = word.replace(/^(\.\.?\/)+/, '').split('/')[0];
  return TOP_LEVEL.includes(top) || word.startsWith('.') || bases.some((b) => ENTRY_SET.has(`${relative(ROOT, resolve(ROOT, b, top))}/`));
}

function missing(where: string, words: string[], bases: string[]): Mention[] {
  return words.filter((w) => firstFolderKnown(w, bases) && !exists(w, bases)).map((path) => ({ where, path }));
}

describe('the rule', () => {
  it('counts repository paths and skips what is not one', () => {
    for (const p of ['main/engine/storage/', 'storage/reconcile.ts', '../main/x.ts', 'tests/recording/outage.test.ts', 'resources/tray/<state>.png', 'docs/API.md']) {
      expect(isRepoPath(p), p).toBe(true);
    }
    for (const p of ['/api/cameras/:id', 'https://example.com/a.md', 'DIR/recordings/', 'recordings/c1/x.mp4', 'exports/<id>/manifest.json', '~/keepwatch-data', 'out/main/index.js', 'a/b', 'npm', 'video/mp4', 'resources/ffmpeg/<platform>-<arch>/']) {
      expect(isRepoPath(p), p).toBe(false);
    }
  });

  it('matches placeholders against the tree, and notices a path that is not there', () => {
    expect(exists('main/engine/storage/schema/NNN_*.sql', ['.'])).toBe(true);
    expect(exists('tests/<area>/', ['.'])).toBe(true);
    expect(exists('main/engine/nothing-here.ts', ['.'])).toBe(false);
    expect(missing('x.md', ['main/engine/nothing-here.ts', 'storage/nothing.ts', 'frigate/motion/x.py'], ['.', 'main/engine'])).toEqual([
      { where: 'x.md', path: 'main/engine/nothing-here.ts' },
      { where: 'x.md', path: 'storage/nothing.ts' },
    ]);
    expect(pathWords('see `main/server/routes.ts`, and main/engine/storage/store.ts:57.')).toEqual(['main/server/routes.ts', 'main/engine/storage/store.ts']);
  });

  it('reads the header comment only', () => {
    expect(headerComment('/**\n * a `x/y.ts`\n */\nimport "z/q.ts";')).toBe('/**\n * a `x/y.ts`\n */');
    expect(headerComment('// one\n// two\nconst x = 1;')).toBe('// one\n// two');
  });
});

describe('documentation paths exist', () => {
  it('in docs/*.md and the READMEs', () => {
    const docs = [
      ...filesUnder('docs', (n) => n.endsWith('.md')),
      'README.md',
      ...['main', 'preload', 'renderer', 'resources', 'tests'].flatMap((d) => filesUnder(d, (n) => n === 'README.md')),
    ];
    expect(docs.length).toBeGreaterThan(10);
    const bad = docs.flatMap((doc) => {
      const words = inlineCode(readFileSync(join(ROOT, doc), 'utf8')).flatMap(pathWords);
      return missing(doc, words, ['.', dirname(doc), 'main/engine', 'main', 'renderer/src']);
    });
    expect(bad).toEqual([]);
  });

  it('in the relative links of those documents', () => {
    const docs = [
      ...filesUnder('docs', (n) => n.endsWith('.md')),
      'README.md',
      ...['main', 'preload', 'renderer', 'resources', 'tests'].flatMap((d) => filesUnder(d, (n) => n === 'README.md')),
    ];
    const bad = docs.flatMap((doc) => {
      const text = readFileSync(join(ROOT, doc), 'utf8').replace(/^```[\s\S]*?^```/gm, '');
      const targets = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((l) => !/^[a-z][a-z0-9+.-]*:|^#/i.test(l));
      return targets.map((l) => l.replace(/#.*$/, '')).filter((l) => !exists(l, [dirname(doc)])).map((path) => ({ where: doc, path }));
    });
    expect(bad).toEqual([]);
  });

  it('in the header comment of every source file under main/, preload/ and renderer/src/', () => {
    const sources = ['main', 'preload', 'renderer/src'].flatMap((d) => filesUnder(d, (n) => /\.tsx?$/.test(n)));
    expect(sources.length).toBeGreaterThan(100);
    const bad = sources.flatMap((file) => {
      const header = headerComment(readFileSync(join(ROOT, file), 'utf8'));
      const coded = inlineCode(header).flatMap(pathWords);
      // Bare words too, when they start with a top-level folder (main/..., tests/...).
      const bare = pathWords(header.replace(/`[^`]*`/g, ' ')).filter((w) => TOP_LEVEL.includes(w.split('/')[0]) && (EXTENSIONS.test(w) || w.endsWith('/')));
      return missing(file, [...new Set([...coded, ...bare])], ['.', dirname(file), 'main/engine', 'main', 'renderer/src']);
    });
    expect(bad).toEqual([]);
  });
});
