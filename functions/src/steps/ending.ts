/**
 * Ending a live call: its end written on the call (status, end time, duration, reason) path by
 * path, as the status callback and the sweeper's idle timeout both do.
 */
import { endFields } from '../core/callState';
import { type LiveCall, paths, siteIso } from '@aurora/model';
import type { Deps } from '../ports';

/** Ends a call that will get no status callback (the sweeper's idle timeout). */
export async function endCallNow(
  deps: Deps,
  callId: string,
  call: LiveCall,
  reason: string,
): Promise<void> {
  const nowIso = siteIso(deps.clock(), deps.settings.timeZone);
  await deps.live.update(prefixed(paths.call(callId), endFields(call, reason, nowIso)));
}

/** `fields` as a multi-path update of the node at `base`: a field that is null or undefined is deleted. */
export function prefixed(base: string, fields: object): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(fields).map(([key, value]) => [`${base}/${key}`, value ?? null]),
  );
}
