// Entry point for the edge runtime (`supabase functions serve`, deploys) and the local stack.
import { app } from './app.ts';

Deno.serve(app.fetch);
