/** What a module declares in code about itself. */
import type { z } from 'zod';

export interface ModuleManifest {
  /** The catalog id (`public.modules.id`). */
  id: string;
  /** Schema of the settings object, with defaults; unknown keys should be refused. */
  settings: z.ZodType<Record<string, unknown>>;
}
