// The baseline merge served as a function by the local stack's function host (bench only).
import { app } from './app.ts';

export default { fetch: app.fetch } satisfies Deno.ServeDefaultExport;
