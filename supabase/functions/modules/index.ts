// Entry point for the edge runtime (`supabase functions serve`, deploys) and the local stack's
// function host: both serve the default export's `fetch`.
import { app } from './app.ts';

export default { fetch: app.fetch } satisfies Deno.ServeDefaultExport;
