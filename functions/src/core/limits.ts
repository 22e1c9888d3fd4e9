/**
 * Cost ceilings a caller cannot run past. None stands between an emergency and help: past a
 * ceiling the offline responder answers (keyword urgency, procedures and the safety line, which
 * still alarm and escalate), and escalation texts past their hourly cap become one summary
 * text while the dashboard and web push go on. Pure decisions; the counters live in the database.
 */
export type Limits = {
  /** Model answers per call; later turns are answered offline. */
  modelTurnsPerCall: number;
  /** Calls per number per hour that the model answers; later calls are answered offline. */
  modelCallsPerNumberPerHour: number;
  /** Escalation texts per on-call number per hour; the next is a summary, the rest are held. */
  escalationTextsPerHour: number;
};

/** The hour an instant falls in, as a database key (UTC, YYYYMMDDHH). */
export const hourKey = (at: Date) => at.toISOString().slice(0, 13).replace(/\D/g, '');

/** Whether the model may answer this turn: the call is not past its ceilings. */
export function modelAllowed(call: { offline_only?: boolean } | null, modelTurnsSoFar: number, limits: Limits): boolean {
  return !call?.offline_only && modelTurnsSoFar < limits.modelTurnsPerCall;
}

/** What to do with the `n`th escalation text (1-based) to one number within an hour. */
export function textDecision(n: number, limits: Limits): 'send' | 'summary' | 'hold' {
  if (n <= limits.escalationTextsPerHour) return 'send';
  return n === limits.escalationTextsPerHour + 1 ? 'summary' : 'hold';
}

/** Usage counter buckets (usage/{key}/{hour}) older than the hour before this one, to drop. */
export function expiredUsage(usage: Record<string, Record<string, unknown> | null>, now: Date): string[] {
  const keep = new Set([hourKey(now), hourKey(new Date(now.getTime() - 3600_000))]);
  return Object.entries(usage).flatMap(([key, hours]) => Object.keys(hours ?? {}).filter((h) => !keep.has(h)).map((h) => `usage/${key}/${h}`));
}
