import { unauthenticated } from '../common/errors';
import type { Actor } from './actor';

/**
 * The caller and their loaders, or UNAUTHENTICATED. Every resolver that touches data starts here. Generic in the
 * loaders, so that the modules ask it without importing the composition root that builds them (context.ts).
 */
export function authenticated<L>(context: { actor: Actor | null; authError: string | null; loaders?: L }): { actor: Actor; loaders: L } {
  if (!context.actor || !context.loaders) throw unauthenticated(context.authError ?? undefined);
  return { actor: context.actor, loaders: context.loaders };
}
