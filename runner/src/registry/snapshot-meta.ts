// The schema of a snapshot's meta.json. Loaded when a snapshot is made, checked or
// restored, never on a night that touches none.
import { z } from 'zod';

export const snapshotMetaSchema = z.strictObject({
  schema: z.literal(1),
  id: z.string(),
  recipe: z.string(),
  version: z.string(),
  commit: z.string(),
  stack: z.string(),
  createdAt: z.string(),
  volumes: z.array(
    z.strictObject({
      /** The volume's name without the `<stack>_` prefix, so it maps onto any stack. */
      name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/),
      archive: z.string().regex(/^volumes\/[A-Za-z0-9][A-Za-z0-9_.-]*\.tar$/, 'volumes/<volume>.tar'),
      bytes: z.number().int().nonnegative(),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
    }),
  ),
});
export type SnapshotMeta = z.infer<typeof snapshotMetaSchema>;
