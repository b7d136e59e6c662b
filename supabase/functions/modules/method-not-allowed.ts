/** A catch-all registered after a path's routes: any other method gets 405 with `Allow`. */
import type { Handler } from 'hono';
import { ApiError } from '../_shared/problem.ts';

export function methodNotAllowed(...methods: string[]): Handler {
  const allow = [...methods, ...(methods.includes('GET') ? ['HEAD'] : []), 'OPTIONS'].join(', ');
  return (c) => {
    throw new ApiError(
      'method_not_allowed',
      `${c.req.method} is not supported here; use ${methods.join(' or ')}.`,
      undefined,
      { allow },
    );
  };
}
