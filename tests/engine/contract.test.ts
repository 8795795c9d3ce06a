import { describe, it, expect } from 'vitest';
import { AddCameraInput, RecordingsQuery, rtspUrlProblem, UpdateCameraInput } from '../../preload/api.ts';

describe('camera URL validation', () => {
  it.each([
    'rtsp://192.168.1.20:554/stream1',
    'rtsps://cam.local/live',
    'rtsp://user:p%40ss@10.0.0.2/h264',
    'rtsp://[fe80::1]:554/',
  ])('accepts %s', (url) => expect(rtspUrlProblem(url)).toBeNull());

  it.each([
    ['-i /etc/passwd', /must not start with "-"/],
    ['-rtsp_transport udp', /must not start/],
    ['file:///etc/passwd', /only rtsp:\/\/ and rtsps:\/\//],
    ['concat:a.mp4|b.mp4', /only rtsp/],
    ['pipe:0', /only rtsp/],
    ['http://camera/stream', /only rtsp/],
    ['subfile,,start,0,end,0,,:/etc/passwd', /not a valid URL|only rtsp/],
    ['rtsp://cam/a b', /spaces or control/],
    ['rtsp://cam/\n-i file:x', /spaces or control/],
    ['rtsp:///nohost', /no host|not a valid/],
    ['rtsp://cam/#frag', /fragment/],
    ['', /./],
  ])('rejects %j', (url, why) => {
    const r = AddCameraInput.safeParse({ name: 'x', mainUrl: url });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.message).join(' ')).toMatch(why);
  });

  it('rejects unknown fields and bad names', () => {
    expect(AddCameraInput.safeParse({ name: 'x', mainUrl: 'rtsp://a/', shell: 'rm -rf' }).success).toBe(false);
    expect(AddCameraInput.safeParse({ name: '   ', mainUrl: 'rtsp://a/' }).success).toBe(false);
    expect(AddCameraInput.safeParse({ name: 'x'.repeat(101), mainUrl: 'rtsp://a/' }).success).toBe(false);
  });

  it('rejects ids that are not positive integers', () => {
    for (const id of ['../../etc/passwd', '-1', '0', '1.5', 'abc', '1e400']) {
      expect(UpdateCameraInput.safeParse({ id, name: 'x' }).success, id).toBe(false);
    }
  });

  it('rejects impossible time ranges', () => {
    expect(RecordingsQuery.safeParse({ camera: 1, from: 10, to: 5 }).success).toBe(false);
    expect(RecordingsQuery.safeParse({ camera: 1, from: 5, to: 5 }).success).toBe(false);
    expect(RecordingsQuery.safeParse({ camera: 1, from: -5, to: 5 }).success).toBe(false);
    expect(RecordingsQuery.safeParse({ camera: 1, from: 0, to: 500 * 86400000 }).success).toBe(false);
    expect(RecordingsQuery.safeParse({ camera: '1', from: '0', to: '1000' }).success).toBe(true);
  });
});
