/**
 * The dashboard installs on a phone as an app (issue 24, point 7): a web app manifest with its
 * icons in hosting/public, which Vite copies to the root of hosting/dist, linked from the page,
 * and served by Hosting as a manifest. Installed, iOS gives the page web push
 * (https://webkit.org/blog/13878/web-push-for-web-apps-on-ios-and-ipados/).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveConfig } from 'vite';
import { describe, expect, it } from 'vitest';
import {
  PNG_ICONS,
  SVG_ICON,
  THEME,
  decodeOwnPng,
  iconSvg,
  renderIcon,
} from '../../../scripts/lib/app-icons.ts';
import { FIREBASE_JSON, ROOT } from '../../../scripts/lib/project.ts';

const PUBLIC = join(ROOT, 'hosting', 'public');
const MANIFEST_PATH = '/manifest.webmanifest';

type Icon = { src: string; sizes: string; type: string; purpose?: string };
type Manifest = {
  name: string;
  short_name: string;
  start_url: string;
  scope: string;
  display: string;
  theme_color: string;
  background_color: string;
  icons: Icon[];
};
const manifest = JSON.parse(readFileSync(join(PUBLIC, MANIFEST_PATH), 'utf8')) as Manifest;
const page = readFileSync(join(ROOT, 'hosting', 'index.html'), 'utf8');
const publicFile = (src: string) => join(PUBLIC, src.replace(/^\//, ''));

describe('the web app manifest', () => {
  it('names the app, opens the dashboard standalone, in the page’s colours', () => {
    expect(manifest).toMatchObject({
      name: 'Aurora supervisors',
      short_name: 'Aurora',
      start_url: '/',
      scope: '/',
      display: 'standalone',
      theme_color: THEME.navy,
      background_color: THEME.page,
    });
    // short_name is what a home screen shows under the icon: a dozen characters at most fit.
    expect(manifest.short_name.length).toBeLessThanOrEqual(12);
    const css = readFileSync(join(ROOT, 'hosting', 'src', 'style.css'), 'utf8');
    expect(css).toContain(`background: ${THEME.page}`);
    expect(css).toContain(`background: ${THEME.navy}`);
  });

  it('lists 192 and 512 px PNG icons, a maskable one and an SVG, each a file of that size', () => {
    const pngs = manifest.icons.filter((icon) => icon.type === 'image/png');
    expect(pngs.filter((i) => i.purpose === 'any').map((i) => i.sizes)).toEqual([
      '192x192',
      '512x512',
    ]);
    expect(pngs.filter((i) => i.purpose === 'maskable').map((i) => i.sizes)).toEqual(['512x512']);
    expect(manifest.icons).toContainEqual(
      expect.objectContaining({ src: `/${SVG_ICON}`, type: 'image/svg+xml', sizes: 'any' }),
    );
    for (const icon of pngs) {
      const { width, height } = decodeOwnPng(readFileSync(publicFile(icon.src)));
      expect(`${width}x${height}`, icon.src).toBe(icon.sizes);
    }
    expect(existsSync(publicFile(`/${SVG_ICON}`))).toBe(true);
  });

  it('is linked from the page with the same theme colour, and an icon for iOS’s home screen', () => {
    const link = (rel: string) =>
      new RegExp(`<link rel="${rel}" href="([^"]+)"`).exec(page)?.[1] ?? null;
    expect(link('manifest')).toBe(MANIFEST_PATH);
    expect(/<meta name="theme-color" content="([^"]+)"/.exec(page)?.[1]).toBe(manifest.theme_color);
    const touchIcon = link('apple-touch-icon');
    expect(touchIcon).not.toBeNull();
    // 180 × 180 is what an iPhone's home screen asks for.
    expect(decodeOwnPng(readFileSync(publicFile(touchIcon!))).width).toBe(180);
    // The page scales to the phone's width instead of drawing a desktop page zoomed out.
    expect(page).toMatch(/<meta name="viewport" content="width=device-width, initial-scale=1/);
  });

  it('is copied by the dashboard’s build from hosting/public to the site’s root', async () => {
    const config = await resolveConfig(
      { configFile: join(ROOT, 'hosting', 'vite.config.ts') },
      'build',
    );
    expect(config.publicDir).toBe(PUBLIC);
    expect(config.build.copyPublicDir).toBe(true);
  });

  it('is served as a manifest, never cached stale, and no rewrite takes its path or the icons’', () => {
    const hosting = FIREBASE_JSON.hosting as {
      headers: Array<{ source: string; headers: Array<{ key: string; value: string }> }>;
      rewrites: Array<{ source: string }>;
    };
    expect(hosting.headers.find((h) => h.source === MANIFEST_PATH)?.headers).toEqual([
      { key: 'Content-Type', value: 'application/manifest+json; charset=utf-8' },
      { key: 'Cache-Control', value: 'no-cache' },
    ]);
    for (const path of [MANIFEST_PATH, ...manifest.icons.map((i) => i.src)])
      expect(hosting.rewrites.map((r) => r.source)).not.toContain(path);
  });
});

describe('the app icons', () => {
  it('are the drawing in scripts/lib/app-icons.ts (run `node scripts/app-icons.ts` after changing it)', () => {
    for (const icon of PNG_ICONS) {
      const committed = decodeOwnPng(readFileSync(join(PUBLIC, icon.path)));
      expect(committed.width, icon.path).toBe(icon.size);
      expect(
        Buffer.from(committed.pixels).equals(Buffer.from(renderIcon(icon.size, icon.rounded))),
        icon.path,
      ).toBe(true);
    }
    expect(readFileSync(join(PUBLIC, SVG_ICON), 'utf8')).toBe(iconSvg());
  });

  it('keep everything but the background inside a maskable icon’s safe zone, the central circle of radius 40%', () => {
    const size = 512;
    const pixels = renderIcon(size, 0);
    const navy = [0x1b, 0x2a, 0x41];
    let outside = 0;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const at = (y * size + x) * 4;
        const background = navy.every((c, i) => pixels[at + i] === c);
        if (!background && Math.hypot(x + 0.5 - size / 2, y + 0.5 - size / 2) > 0.4 * size)
          outside++;
      }
    }
    expect(outside).toBe(0);
  });

  it('round the corners of the "any" icons (transparent) and fill the maskable one to its edges', () => {
    const alphaAt = (pixels: Uint8Array, size: number, x: number, y: number) =>
      pixels[(y * size + x) * 4 + 3];
    const rounded = renderIcon(192, 0.22);
    expect(alphaAt(rounded, 192, 0, 0)).toBe(0);
    expect(alphaAt(rounded, 192, 96, 2)).toBe(255);
    const full = renderIcon(192, 0);
    expect(alphaAt(full, 192, 0, 0)).toBe(255);
  });

  it('fail the check when a committed icon is not a PNG this script wrote', () => {
    expect(() => decodeOwnPng(Buffer.from('GIF89a'))).toThrow('not a PNG');
  });
});
