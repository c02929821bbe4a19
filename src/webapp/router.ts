/**
 * Matches a request path against the route table: `:name` segments capture one URI-decoded path segment. Tells a
 * path no route has (404) from a path some route has under another method (405, with the methods allowed).
 */
import type { ApiRoute } from './types.js';

interface Compiled {
  route: ApiRoute;
  segments: string[];
}

export type RouteMatch =
  | { kind: 'found'; route: ApiRoute; params: Record<string, string> }
  | { kind: 'wrong_method'; allow: string[] }
  | { kind: 'none' };

function split(path: string): string[] {
  return path.split('/').slice(1);
}

export class Router {
  readonly #routes: Compiled[] = [];

  constructor(routes: readonly ApiRoute[]) {
    for (const route of routes) {
      if (!route.path.startsWith('/api/')) throw new Error(`route ${route.path}: API routes live under /api/`);
      const segments = split(route.path);
      const clash = this.#routes.find((c) => c.route.method === route.method && c.segments.join('/') === segments.join('/'));
      if (clash !== undefined) throw new Error(`route ${route.method} ${route.path} is defined twice`);
      this.#routes.push({ route, segments });
    }
  }

  match(method: string, path: string): RouteMatch {
    const parts = split(path);
    const allow = new Set<string>();
    for (const c of this.#routes) {
      const params = matchSegments(c.segments, parts);
      if (params === null) continue;
      if (c.route.method === method) return { kind: 'found', route: c.route, params };
      allow.add(c.route.method);
    }
    return allow.size > 0 ? { kind: 'wrong_method', allow: [...allow] } : { kind: 'none' };
  }
}

function matchSegments(pattern: readonly string[], parts: readonly string[]): Record<string, string> | null {
  if (pattern.length !== parts.length) return null;
  const params: Record<string, string> = {};
  for (const [i, p] of pattern.entries()) {
    const part = parts[i] ?? '';
    if (p.startsWith(':')) {
      if (part === '') return null;
      let value: string;
      try {
        value = decodeURIComponent(part);
      } catch {
        return null;
      }
      params[p.slice(1)] = value;
    } else if (p !== part) {
      return null;
    }
  }
  return params;
}
