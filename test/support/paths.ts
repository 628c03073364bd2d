import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
export const FIXTURES = join(ROOT, 'test', 'fixtures');
export const fixture = (...p: string[]) => join(FIXTURES, ...p);
