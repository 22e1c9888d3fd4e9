/**
 * The dashboard's app icon, drawn from one description into the SVG and the PNGs a phone
 * installs it with (hosting/public/icons, listed by hosting/public/manifest.webmanifest): a
 * caller's voice reaching someone, white on the header's navy. Plain geometry, so the PNGs
 * need no image library: each pixel is sampled 4 × 4 times against the shapes, and the PNG
 * is written with node:zlib (https://www.w3.org/TR/png-3/).
 */
import { crc32, deflateSync, inflateSync } from 'node:zlib';

/** The colours the page uses (hosting/src/style.css): the header's navy and the page's background. */
export const THEME = { navy: '#1b2a41', page: '#f5f6f8' } as const;
const WAVES = '#7fe3b2';
const WHITE = '#ffffff';

/**
 * A drawing in a 1 × 1 square. `rounded`: the corner radius of the navy tile (0 fills the whole
 * square, as a maskable icon must: the phone cuts its own shape out of it).
 * Everything but the tile stays inside the central circle of radius 0.4, the safe zone of a
 * maskable icon (https://www.w3.org/TR/appmanifest/#icon-masks).
 */
type Arc = { radius: number; width: number; spread: number };
const CENTRE = { x: 0.5, y: 0.64 };
const DOT = 0.075;
const ARCS: Arc[] = [
  { radius: 0.19, width: 0.065, spread: (50 * Math.PI) / 180 },
  { radius: 0.32, width: 0.065, spread: (50 * Math.PI) / 180 },
];

export type IconFile = {
  /** Its path under hosting/public. */
  path: string;
  size: number;
  /** The tile's corner radius, as a fraction of the side. */
  rounded: number;
};

/** Every PNG the page and its manifest name. */
export const PNG_ICONS: IconFile[] = [
  { path: 'icons/icon-192.png', size: 192, rounded: 0.22 },
  { path: 'icons/icon-512.png', size: 512, rounded: 0.22 },
  { path: 'icons/maskable-512.png', size: 512, rounded: 0 },
  // iOS rounds it itself and shows transparency as black (apple-touch-icon in hosting/index.html).
  { path: 'icons/apple-touch-icon.png', size: 180, rounded: 0 },
];
export const SVG_ICON = 'icons/icon.svg';

type Rgba = [number, number, number, number];
const rgba = (hex: string): Rgba => [
  parseInt(hex.slice(1, 3), 16),
  parseInt(hex.slice(3, 5), 16),
  parseInt(hex.slice(5, 7), 16),
  255,
];

function insideTile(x: number, y: number, rounded: number): boolean {
  if (rounded === 0) return true;
  // The distance outside the square shrunk by the radius: inside when within the radius of it.
  const dx = Math.max(rounded - x, 0, x - (1 - rounded));
  const dy = Math.max(rounded - y, 0, y - (1 - rounded));
  return dx * dx + dy * dy <= rounded * rounded;
}

/** On an arc stroke with round caps, as SVG draws `stroke-linecap="round"`. */
function onArc(x: number, y: number, arc: Arc): boolean {
  const dx = x - CENTRE.x;
  const dy = y - CENTRE.y;
  const angle = Math.atan2(dx, -dy); // 0 straight up, positive to the right
  if (Math.abs(angle) <= arc.spread)
    return Math.abs(Math.hypot(dx, dy) - arc.radius) <= arc.width / 2;
  const end = Math.sign(angle) * arc.spread;
  const ex = CENTRE.x + arc.radius * Math.sin(end);
  const ey = CENTRE.y - arc.radius * Math.cos(end);
  return Math.hypot(x - ex, y - ey) <= arc.width / 2;
}

/** The colour at a point of the 1 × 1 square (transparent outside a rounded tile). */
function colourAt(x: number, y: number, rounded: number): Rgba {
  if (!insideTile(x, y, rounded)) return [0, 0, 0, 0];
  if (Math.hypot(x - CENTRE.x, y - CENTRE.y) <= DOT) return rgba(WHITE);
  if (ARCS.some((arc) => onArc(x, y, arc))) return rgba(WAVES);
  return rgba(THEME.navy);
}

const SAMPLES = 4;

/** The icon as RGBA pixels, row by row, `size` × `size`, each pixel the average of 16 samples. */
export function renderIcon(size: number, rounded: number): Uint8Array {
  const pixels = new Uint8Array(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      const sum = [0, 0, 0, 0];
      for (let sy = 0; sy < SAMPLES; sy++) {
        for (let sx = 0; sx < SAMPLES; sx++) {
          const [r, g, b, a] = colourAt(
            (px + (sx + 0.5) / SAMPLES) / size,
            (py + (sy + 0.5) / SAMPLES) / size,
            rounded,
          );
          // Premultiplied, so a transparent sample does not darken the edge.
          sum[0] += r * a;
          sum[1] += g * a;
          sum[2] += b * a;
          sum[3] += a;
        }
      }
      const at = (py * size + px) * 4;
      const alpha = sum[3];
      pixels[at] = alpha ? Math.round(sum[0] / alpha) : 0;
      pixels[at + 1] = alpha ? Math.round(sum[1] / alpha) : 0;
      pixels[at + 2] = alpha ? Math.round(sum[2] / alpha) : 0;
      pixels[at + 3] = Math.round(alpha / (SAMPLES * SAMPLES));
    }
  }
  return pixels;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A truecolour-with-alpha, 8-bit PNG of `pixels` (each row unfiltered). */
export function encodePng(size: number, pixels: Uint8Array): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8); // bit depth 8, colour type 6 (RGBA), deflate, filter method 0, no interlace
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++)
    rows.set(pixels.subarray(y * size * 4, (y + 1) * size * 4), y * (size * 4 + 1) + 1);
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', new Uint8Array()),
  ]);
}

/**
 * The size and pixels of a PNG this module wrote (RGBA, 8-bit, unfiltered rows): enough for a
 * test to check a committed icon is still the drawing, whatever zlib's version compressed it to.
 */
export function decodeOwnPng(png: Buffer): { width: number; height: number; pixels: Uint8Array } {
  if (!png.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG');
  let at = 8;
  let width = 0;
  let height = 0;
  const data: Buffer[] = [];
  while (at < png.length) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const body = png.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      if (body[8] !== 8 || body[9] !== 6) throw new Error('not an 8-bit RGBA PNG');
    }
    if (type === 'IDAT') data.push(body);
    at += 12 + length;
  }
  const rows = inflateSync(Buffer.concat(data));
  const pixels = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    const start = y * (width * 4 + 1);
    if (rows[start] !== 0) throw new Error(`row ${y} is filtered`);
    pixels.set(rows.subarray(start + 1, start + 1 + width * 4), y * width * 4);
  }
  return { width, height, pixels };
}

const n = (value: number) => Number((value * 100).toFixed(3));

/** The same drawing as an SVG, in a 100 × 100 box, the tile rounded as the "any" PNGs are. */
export function iconSvg(rounded = 0.22): string {
  const arcs = ARCS.map((arc) => {
    const from = [
      CENTRE.x - arc.radius * Math.sin(arc.spread),
      CENTRE.y - arc.radius * Math.cos(arc.spread),
    ];
    const to = [
      CENTRE.x + arc.radius * Math.sin(arc.spread),
      CENTRE.y - arc.radius * Math.cos(arc.spread),
    ];
    return `<path d="M${n(from[0])} ${n(from[1])}A${n(arc.radius)} ${n(arc.radius)} 0 0 1 ${n(to[0])} ${n(to[1])}" stroke-width="${n(arc.width)}"/>`;
  });
  return [
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">',
    `<rect width="100" height="100" rx="${n(rounded)}" fill="${THEME.navy}"/>`,
    `<g fill="none" stroke="${WAVES}" stroke-linecap="round">${arcs.join('')}</g>`,
    `<circle cx="${n(CENTRE.x)}" cy="${n(CENTRE.y)}" r="${n(DOT)}" fill="${WHITE}"/>`,
    '</svg>',
    '',
  ].join('\n');
}

/** Every icon file, by its path under hosting/public. */
export function iconFiles(): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const icon of PNG_ICONS)
    files.set(icon.path, encodePng(icon.size, renderIcon(icon.size, icon.rounded)));
  files.set(SVG_ICON, Buffer.from(iconSvg(), 'utf8'));
  return files;
}
