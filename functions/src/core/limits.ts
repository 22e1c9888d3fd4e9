/**
 * Cost ceilings a caller cannot run past. None stands between an emergency and help: past a
 * ceiling the offline responder answers (keyword urgency, procedures and the safety line, which
 * still alarm and escalate), and the first text about each escalated call reaches every on-call
 * number in full whatever the hour's count (escalationTextDecision). Pure decisions; the
 * counters live in the database.
 */
export type Limits = {
  /** Model answers per call; later turns are answered offline. */
  modelTurnsPerCall: number;
  /** Calls per number per hour that the model answers; later calls are answered offline. */
  modelCallsPerNumberPerHour: number;
  /**
   * Escalation texts Twilio accepted per on-call number per hour. Past it, a further text about
   * a call the number already has is one summary, then held; the first about a call always goes.
   */
  escalationTextsPerHour: number;
};

/** The hour an instant falls in, as a database key (UTC, YYYYMMDDHH). */
export const hourKey = (at: Date) => at.toISOString().slice(0, 13).replace(/\D/g, '');

/** Whether the model may answer this turn: the call is not past its ceilings. */
export function modelAllowed(
  call: { offline_only?: boolean } | null,
  modelTurnsSoFar: number,
  limits: Limits,
): boolean {
  return !call?.offline_only && modelTurnsSoFar < limits.modelTurnsPerCall;
}

/** What to do with the `n`th escalation text (1-based) to one number within an hour, were the cap to apply. */
export function textDecision(n: number, limits: Limits): 'send' | 'summary' | 'hold' {
  if (n <= limits.escalationTextsPerHour) return 'send';
  return n === limits.escalationTextsPerHour + 1 ? 'summary' : 'hold';
}

/**
 * What to text an on-call number about one escalated call. The rule:
 * - Only texts Twilio accepted count: a refused send (a carrier outage, a bad number) uses up
 *   nothing, however often it is retried, and is counted only once accepted.
 * - The first text about a call to a number always goes out in full, whatever the hour's count:
 *   no ceiling keeps a new unacknowledged CRITICAL call from the people who must know of it.
 * - Any further text about the same call to the same number (a repeat: a run that died after
 *   Twilio accepted the first is not sure it did) falls under the hourly cap (textDecision): past
 *   it one summary, then held while the dashboard and web push carry on.
 * So texts cost at most one per escalated call per on-call number (escalation is once per call,
 * and each is a paid inbound call that stayed CRITICAL and unacknowledged), plus at most
 * `escalationTextsPerHour + 1` repeats per number per hour.
 */
export function escalationTextDecision(
  text: { acceptedAboutCall: number; acceptedThisHour: number },
  limits: Limits,
): 'send' | 'summary' | 'hold' {
  return text.acceptedAboutCall === 0 ? 'send' : textDecision(text.acceptedThisHour + 1, limits);
}

/** Usage counter buckets (usage/{key}/{hour}) older than the hour before this one, to drop. */
export function expiredUsage(
  usage: Record<string, Record<string, unknown> | null>,
  now: Date,
): string[] {
  const keep = new Set([hourKey(now), hourKey(new Date(now.getTime() - 3600_000))]);
  return Object.entries(usage).flatMap(([key, hours]) =>
    Object.keys(hours ?? {})
      .filter((h) => !keep.has(h))
      .map((h) => `usage/${key}/${h}`),
  );
}
