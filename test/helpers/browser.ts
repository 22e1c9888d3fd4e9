/** Waiting assertions for the dashboard tests: the page updates by push, so each check polls until it holds. */
import type { Locator } from 'playwright-core';
import { eventually } from './stack';

/**
 * Polls `read` until `holds` accepts what it read; fails saying what was expected of the
 * locator and what it last showed.
 */
async function until<T>(
  locator: Locator,
  expectation: string,
  read: () => Promise<T>,
  holds: (value: T) => boolean,
  timeoutMs = 15_000,
): Promise<void> {
  let last: T | undefined;
  await eventually(expectation, async () => holds((last = await read())), timeoutMs).catch(() => {
    throw new Error(
      `expected ${locator.toString()} ${expectation}, last saw ${JSON.stringify(last)}`,
    );
  });
}

/** The first element's text contains `expected` (a string) or matches it (a RegExp). */
export const sees = (locator: Locator, expected: string | RegExp, timeoutMs?: number) =>
  until(
    locator,
    `to show ${String(expected)}`,
    () =>
      locator
        .first()
        .innerText({ timeout: 1000 })
        .catch(() => null),
    (text) =>
      text !== null &&
      (typeof expected === 'string' ? text.includes(expected) : expected.test(text)),
    timeoutMs,
  );

/** The first element's text is exactly `expected`. */
export const reads = (locator: Locator, expected: string, timeoutMs?: number) =>
  sees(locator, new RegExp(`^${expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`), timeoutMs);

export const counts = (locator: Locator, expected: number, timeoutMs?: number) =>
  until(
    locator,
    `to match ${expected} elements`,
    () => locator.count(),
    (n) => n === expected,
    timeoutMs,
  );

export const hasAttribute = (
  locator: Locator,
  name: string,
  expected: string,
  timeoutMs?: number,
) =>
  until(
    locator,
    `to have ${name}=${expected}`,
    () =>
      locator
        .first()
        .getAttribute(name, { timeout: 1000 })
        .catch(() => null),
    (v) => v === expected,
    timeoutMs,
  );
