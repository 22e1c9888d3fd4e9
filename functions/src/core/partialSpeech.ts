import type { PartialSpeech } from '@aurora/model';

export type IncomingPartial = { gather: string; sequence: number; text: string; stable?: string };

/**
 * Whether a partial result replaces what is shown: not once its Gather's turn has closed it,
 * not if it is older than what is there (callbacks arrive out of order), not if it belongs to
 * an earlier Gather (ids sort by time). Pure; undefined means keep what is there.
 */
export function nextPartial(
  current: PartialSpeech | null,
  incoming: IncomingPartial,
): PartialSpeech | undefined {
  if (!current) return incoming;
  if (incoming.gather < current.gather) return undefined;
  if (incoming.gather > current.gather) return incoming;
  if (current.closed || (current.sequence ?? -1) >= incoming.sequence) return undefined;
  return incoming;
}
