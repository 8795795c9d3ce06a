import { describe, expect, it } from 'vitest';
import { checkCameraUrl, rebaseServiceUrl } from '../../main/engine/onvif/urls.ts';

const device = new URL('http://192.168.1.20:8080/onvif/device_service');
const rtsp = ['rtsp:', 'rtsps:'];

describe('checkCameraUrl', () => {
  it.each([
    ['rtsp://192.168.1.20:554/Streaming/Channels/101', 'rtsp://192.168.1.20:554/Streaming/Channels/101'],
    ['rtsps://192.168.1.20/live?channel=1&subtype=0', 'rtsps://192.168.1.20/live?channel=1&subtype=0'],
    ['rtsp://10.0.0.5:554/live', 'rtsp://192.168.1.20:554/live'],
    ['rtsp://admin:secret@192.168.1.20/live', 'rtsp://192.168.1.20/live'],
    ['rtsp://admin@192.168.1.20/live', 'rtsp://192.168.1.20/live'],
  ])('accepts %s as %s', (raw, expected) => {
    expect(checkCameraUrl(raw, device, rtsp, 'admin')).toEqual({ ok: true, url: expected });
  });

  it('moves streams onto an IPv6 device host', () => {
    expect(checkCameraUrl('rtsp://10.0.0.5/live', new URL('http://[fe80::1]/onvif'), rtsp)).toEqual({ ok: true, url: 'rtsp://[fe80::1]/live' });
  });

  it('refuses login details when we logged in without a username', () => {
    expect(checkCameraUrl('rtsp://admin:pw@192.168.1.20/live', device, rtsp)).toMatchObject({ ok: false });
  });
});

describe('rebaseServiceUrl', () => {
  it('keeps same-host addresses as reported, other hosts move to the address the user gave', () => {
    expect(rebaseServiceUrl('http://192.168.1.20:8999/onvif/Media', device)).toBe('http://192.168.1.20:8999/onvif/Media');
    expect(rebaseServiceUrl('http://10.0.0.5/onvif/Media', device)).toBe('http://192.168.1.20:8080/onvif/Media');
    expect(rebaseServiceUrl('https://10.0.0.5/onvif/Media?x=1', device)).toBe('http://192.168.1.20:8080/onvif/Media?x=1');
  });

  it.each(['file:///etc/passwd', 'ftp://192.168.1.20/', 'not a url', '', undefined, `http://192.168.1.20/${'a'.repeat(3000)}`])(
    'drops %s',
    (raw) => {
      expect(rebaseServiceUrl(raw, device)).toBeUndefined();
    },
  );

  it('strips credentials a camera put into a service address', () => {
    expect(rebaseServiceUrl('http://u:p@192.168.1.20/onvif/ptz', device)).toBe('http://192.168.1.20/onvif/ptz');
  });
});
