/** Waiting assertions for the dashboard tests: the page updates by push, so each check polls until it holds. */
import type { Locator } from 'playwright-core';
import { eventually } from './stack';

const textOf = (locator: Locator) => locator.first().innerText({ timeout: 1000 }).catch(() => null);

/** The first element's text contains `expected` (a string) or matches it (a RegExp). */
export async function sees(locator: Locator, expected: string | RegExp, timeoutMs = 15_000): Promise<void> {
  let last: string | null = null;
  await eventually(
    `text ${String(expected)} (last seen: ${JSON.stringify(last)})`,
    async () => {
      last = await textOf(locator);
      return last !== null && (typeof expected === 'string' ? last.includes(expected) : expected.test(last));
    },
    timeoutMs,
  ).catch(() => {
    throw new Error(`expected ${locator.toString()} to show ${String(expected)}, last saw ${JSON.stringify(last)}`);
  });
}

/** The first element's text is exactly `expected`. */
export const reads = (locator: Locator, expected: string, timeoutMs?: number) =>
  sees(locator, new RegExp(`^${expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`), timeoutMs);

export async function counts(locator: Locator, expected: number, timeoutMs = 15_000): Promise<void> {
  let last = -1;
  await eventually(`${expected} elements`, async () => (last = await locator.count()) === expected, timeoutMs).catch(() => {
    throw new Error(`expected ${expected} of ${locator.toString()}, last saw ${last}`);
  });
}

export async function hasAttribute(locator: Locator, name: string, expected: string, timeoutMs = 15_000): Promise<void> {
  let last: string | null = null;
  await eventually(`${name}=${expected}`, async () => (last = await locator.first().getAttribute(name, { timeout: 1000 }).catch(() => null)) === expected, timeoutMs).catch(() => {
    throw new Error(`expected ${locator.toString()} to have ${name}=${expected}, last saw ${last}`);
  });
}
