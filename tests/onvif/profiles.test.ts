import { describe, expect, it } from 'vitest';
import { chooseProfiles, type MediaProfile } from '../../main/engine/onvif/index.ts';
import { normalizeEncoding } from '../../main/engine/onvif/profiles.ts';

const profile = (token: string, encoding: MediaProfile['encoding'], width: number, height: number, fps = 25): MediaProfile => ({
  token,
  name: token,
  encoding,
  width,
  height,
  fps,
  ptz: false,
});

describe('chooseProfiles', () => {
  it('main is the sharpest H.264/H.265 profile; sub the smallest one at least 320 wide', () => {
    const choice = chooseProfiles([
      profile('qcif', 'H264', 176, 144),
      profile('vga', 'H264', 640, 480),
      profile('cif', 'H264', 352, 288),
      profile('4k-mjpeg', 'JPEG', 3840, 2160),
      profile('1080', 'H265', 1920, 1080),
    ]);
    expect(choice.main.token).toBe('1080');
    expect(choice.sub?.token).toBe('cif');
  });

  it('breaks a resolution tie in favour of H.264 (browsers cannot play H.265), then frame rate', () => {
    expect(chooseProfiles([profile('hevc', 'H265', 1920, 1080), profile('avc', 'H264', 1920, 1080)]).main.token).toBe('avc');
    expect(chooseProfiles([profile('slow', 'H264', 1920, 1080, 10), profile('fast', 'H264', 1920, 1080, 30)]).main.token).toBe('fast');
  });

  it('prefers an H.264 sub stream over a smaller H.265 one', () => {
    const choice = chooseProfiles([profile('main', 'H264', 2560, 1440), profile('hevc-small', 'H265', 352, 288), profile('avc-sub', 'H264', 640, 360)]);
    expect(choice.sub?.token).toBe('avc-sub');
  });

  it('has no sub when nothing smaller and useful exists', () => {
    expect(chooseProfiles([profile('main', 'H264', 1920, 1080)]).sub).toBeUndefined();
    expect(chooseProfiles([profile('a', 'H264', 1920, 1080), profile('b', 'H264', 1920, 1080)]).sub).toBeUndefined();
    expect(chooseProfiles([profile('main', 'H264', 1920, 1080), profile('tiny', 'H264', 176, 144)]).sub).toBeUndefined();
  });

  it('refuses cameras without any H.264/H.265 profile', () => {
    expect(() => chooseProfiles([profile('m', 'JPEG', 1280, 720), profile('x', 'H264', 0, 0)])).toThrow(
      expect.objectContaining({ code: 'NO_USABLE_PROFILE' }),
    );
  });

  it('normalises vendor spellings of encodings', () => {
    expect(['H264', 'h.264', 'AVC', 'H265', 'HEVC', 'MJPEG', 'JPEG', 'MPEG4', 'G711'].map(normalizeEncoding)).toEqual([
      'H264', 'H264', 'H264', 'H265', 'H265', 'JPEG', 'JPEG', 'MPEG4', 'other',
    ]);
  });
});
