/** The versions written to results.json: read from package.json files, never hard-coded. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** The `version` field of the package.json at `path`. */
export function packageJsonVersion(path: string): string {
  return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
}

/** The version of the dependency `packageName` as the benchmarks resolve it. */
export function installedVersion(packageName: string): string {
  const require = createRequire(import.meta.url);
  return packageJsonVersion(require.resolve(`${packageName}/package.json`));
}
