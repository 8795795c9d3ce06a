/**
 * `npm run verify -- <export folder>`: checks a Keepwatch export against its
 * manifest.json (every file present, same size, same SHA-256, nothing added).
 * Exit code 0 when everything matches, 1 when not, 2 on wrong usage. Needs
 * nothing but the folder: it can run on any machine with Node.
 */
import { resolve } from 'node:path';
import { verifyExportFolder } from './engine/export/verify-export.ts';

async function main(): Promise<number> {
  const args = process.argv.slice(2).filter((a) => a !== '--');
  if (args.length !== 1 || args[0] === '--help' || args[0] === '-h') {
    process.stderr.write('usage: npm run verify -- <export folder>\n');
    return 2;
  }
  const folder = resolve(args[0]);
  const report = await verifyExportFolder(folder);
  process.stdout.write(`Keepwatch export: ${folder}\n`);
  for (const f of report.files) {
    process.stdout.write(`  ${f.ok ? 'OK  ' : 'FAIL'} ${f.name}${f.problem ? ` — ${f.problem}` : ''}\n`);
  }
  if (report.manifestSha256) process.stdout.write(`  manifest.json SHA-256: ${report.manifestSha256}\n`);
  process.stdout.write(`${report.ok ? 'VERIFIED' : 'NOT VERIFIED'}: ${report.summary}\n`);
  return report.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`verify failed: ${(err as Error).message}\n`);
    process.exit(2);
  },
);
