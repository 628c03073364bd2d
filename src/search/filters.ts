// Search filters applied to a paper (vector candidates and title jumps; the lexical index filters its own).
import type { Paper } from '../domain/paper.ts';
import type { Filters } from './lexical.ts';

/** Whether a paper passes the filters (a missing paper does not). */
export function matchesFilters(p: Paper | undefined, f: Filters): boolean {
  if (!p) return false;
  const day = p.publishedAt?.slice(0, 10);
  if (f.from && (!day || day < f.from)) return false;
  if (f.to && (!day || day > f.to)) return false;
  if (f.hasCode && !p.codeUrl) return false;
  if (f.category && !p.categories.includes(f.category)) return false;
  return true;
}
