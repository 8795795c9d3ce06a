// A synthetic camera for the motion detector's unit tests: a textured static
// background, sensor noise, rectangles that move on a script, and lighting
// (brightness, an IR-style switch to grey). Deterministic (seeded).
import type { RgbFrame } from '../../main/engine/detection/types.ts';

export const T0 = Date.UTC(2026, 11, 6, 12, 0, 0);

export interface SceneObject {
  /** Visible from..to (ms since T0, `to` exclusive). */
  from: number;
  to: number;
  /** Top-left corner (0–1 of the frame) at time t (ms since T0). */
  pos(t: number): [number, number];
  /** Size, 0–1 of the frame. */
  w: number;
  h: number;
  rgb: [number, number, number];
}

export interface SceneOptions {
  width?: number;
  height?: number;
  seed?: number;
  /** Sensor noise amplitude (± grey levels). */
  noise?: number;
  /** Brightness factor at t (1 = as drawn). */
  brightness?(t: number): number;
  /** From this time on the picture is grey and flatter (an IR night switch). */
  irFrom?: number;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Scene {
  readonly width: number;
  readonly height: number;
  readonly objects: SceneObject[] = [];
  private readonly base: Uint8Array;
  private readonly random: () => number;

  constructor(private readonly opts: SceneOptions = {}) {
    this.width = opts.width ?? 320;
    this.height = opts.height ?? 180;
    const rnd = mulberry32(opts.seed ?? 7);
    this.random = mulberry32((opts.seed ?? 7) + 1);
    // Texture: smooth blobs of colour plus a gradient (a yard, a wall, a lawn).
    const { width: w, height: h } = this;
    this.base = new Uint8Array(w * h * 3);
    const spots = Array.from({ length: 40 }, () => ({ x: rnd() * w, y: rnd() * h, r: 8 + rnd() * 40, c: [rnd(), rnd(), rnd()].map((v) => 40 + v * 160) }));
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const p = (y * w + x) * 3;
        let rgb = [70 + (60 * y) / h, 90 + (40 * x) / w, 80];
        for (const s of spots) {
          const d2 = (x - s.x) ** 2 + (y - s.y) ** 2;
          if (d2 < s.r * s.r) rgb = s.c;
        }
        this.base[p] = rgb[0];
        this.base[p + 1] = rgb[1];
        this.base[p + 2] = rgb[2];
      }
    }
  }

  add(obj: SceneObject): this {
    this.objects.push(obj);
    return this;
  }

  /** The frame at t ms after T0. */
  frame(t: number): RgbFrame {
    const { width: w, height: h } = this;
    const data = Uint8Array.from(this.base);
    for (const o of this.objects) {
      if (t < o.from || t >= o.to) continue;
      const [ox, oy] = o.pos(t);
      const x0 = Math.max(0, Math.round(ox * w));
      const y0 = Math.max(0, Math.round(oy * h));
      const x1 = Math.min(w, Math.round((ox + o.w) * w));
      const y1 = Math.min(h, Math.round((oy + o.h) * h));
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) {
          const p = (y * w + x) * 3;
          // A little texture on the object so it is not a flat card.
          const shade = ((x + y) & 4) === 0 ? 0 : 12;
          data[p] = Math.max(0, o.rgb[0] - shade);
          data[p + 1] = Math.max(0, o.rgb[1] - shade);
          data[p + 2] = Math.max(0, o.rgb[2] - shade);
        }
      }
    }
    const gain = this.opts.brightness?.(t) ?? 1;
    const ir = this.opts.irFrom !== undefined && t >= this.opts.irFrom;
    const noise = this.opts.noise ?? 4;
    for (let p = 0; p < data.length; p += 3) {
      let r = data[p];
      let g = data[p + 1];
      let b = data[p + 2];
      if (ir) {
        const grey = 0.5 * (0.3 * r + 0.59 * g + 0.11 * b) + 70;
        r = g = b = grey;
      }
      const n = (this.random() * 2 - 1) * noise;
      data[p] = clamp(r * gain + n);
      data[p + 1] = clamp(g * gain + n);
      data[p + 2] = clamp(b * gain + n);
    }
    return { width: w, height: h, data, at: T0 + t };
  }
}

const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));

/** An object sliding from x0 to x1 (0–1) between from and to, at height y. */
export function slider(from: number, to: number, x0: number, x1: number, y: number, size: [number, number], rgb: [number, number, number] = [230, 40, 40]): SceneObject {
  return { from, to, w: size[0], h: size[1], rgb, pos: (t) => [x0 + ((x1 - x0) * (t - from)) / (to - from), y] };
}
