/**
 * SOAP replies of the simulated device, modelled on what real Profile S/T
 * cameras send. Prefixes differ from the engine's on purpose (SOAP-ENV:,
 * ter:, tns1:) so the client's prefix-insensitive lookups are exercised.
 */

export const SIM_NS = {
  env: 'http://www.w3.org/2003/05/soap-envelope',
  tds: 'http://www.onvif.org/ver10/device/wsdl',
  trt: 'http://www.onvif.org/ver10/media/wsdl',
  tr2: 'http://www.onvif.org/ver20/media/wsdl',
  tptz: 'http://www.onvif.org/ver20/ptz/wsdl',
  tev: 'http://www.onvif.org/ver10/events/wsdl',
  tt: 'http://www.onvif.org/ver10/schema',
  wsnt: 'http://docs.oasis-open.org/wsn/b-2',
  wsa: 'http://www.w3.org/2005/08/addressing',
  tns1: 'http://www.onvif.org/ver10/topics',
  ter: 'http://www.onvif.org/ver10/error',
};

export function esc(value: string | number): string {
  return String(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function envelope(body: string): string {
  const declarations = Object.entries(SIM_NS)
    .map(([prefix, uri]) => `xmlns:${prefix === 'env' ? 'SOAP-ENV' : prefix}="${uri}"`)
    .join(' ');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<SOAP-ENV:Envelope ${declarations}><SOAP-ENV:Header/><SOAP-ENV:Body>${body}</SOAP-ENV:Body></SOAP-ENV:Envelope>`;
}

/** A SOAP 1.2 fault; subcode like "ter:NotAuthorized". */
export function fault(code: 'Sender' | 'Receiver', subcode: string, reason: string): string {
  return envelope(
    '<SOAP-ENV:Fault>' +
      `<SOAP-ENV:Code><SOAP-ENV:Value>SOAP-ENV:${code}</SOAP-ENV:Value>` +
      `<SOAP-ENV:Subcode><SOAP-ENV:Value>${esc(subcode)}</SOAP-ENV:Value></SOAP-ENV:Subcode></SOAP-ENV:Code>` +
      `<SOAP-ENV:Reason><SOAP-ENV:Text xml:lang="en">${esc(reason)}</SOAP-ENV:Text></SOAP-ENV:Reason>` +
      '</SOAP-ENV:Fault>',
  );
}

export function dateTimeParts(ms: number): string {
  const d = new Date(ms);
  return (
    `<tt:Time><tt:Hour>${d.getUTCHours()}</tt:Hour><tt:Minute>${d.getUTCMinutes()}</tt:Minute><tt:Second>${d.getUTCSeconds()}</tt:Second></tt:Time>` +
    `<tt:Date><tt:Year>${d.getUTCFullYear()}</tt:Year><tt:Month>${d.getUTCMonth() + 1}</tt:Month><tt:Day>${d.getUTCDate()}</tt:Day></tt:Date>`
  );
}

export function systemDateAndTime(deviceNow: number): string {
  return envelope(
    '<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime>' +
      '<tt:DateTimeType>Manual</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings>' +
      '<tt:TimeZone><tt:TZ>UTC0</tt:TZ></tt:TimeZone>' +
      `<tt:UTCDateTime>${dateTimeParts(deviceNow)}</tt:UTCDateTime>` +
      `<tt:LocalDateTime>${dateTimeParts(deviceNow)}</tt:LocalDateTime>` +
      '</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>',
  );
}

export interface SimIdentity {
  manufacturer: string;
  model: string;
  firmware: string;
  serial: string;
  hardwareId: string;
}

export function deviceInformation(id: SimIdentity): string {
  return envelope(
    '<tds:GetDeviceInformationResponse>' +
      `<tds:Manufacturer>${esc(id.manufacturer)}</tds:Manufacturer><tds:Model>${esc(id.model)}</tds:Model>` +
      `<tds:FirmwareVersion>${esc(id.firmware)}</tds:FirmwareVersion><tds:SerialNumber>${esc(id.serial)}</tds:SerialNumber>` +
      `<tds:HardwareId>${esc(id.hardwareId)}</tds:HardwareId>` +
      '</tds:GetDeviceInformationResponse>',
  );
}

export interface SimServices {
  device: string;
  media?: string;
  media2?: string;
  ptz?: string;
  events?: string;
}

export function services(urls: SimServices): string {
  const entry = (ns: string, xaddr: string | undefined, major: number) =>
    xaddr
      ? `<tds:Service><tds:Namespace>${ns}</tds:Namespace><tds:XAddr>${esc(xaddr)}</tds:XAddr>` +
        `<tds:Version><tt:Major>${major}</tt:Major><tt:Minor>60</tt:Minor></tds:Version></tds:Service>`
      : '';
  return envelope(
    '<tds:GetServicesResponse>' +
      entry(SIM_NS.tds, urls.device, 2) +
      entry(SIM_NS.trt, urls.media, 2) +
      entry(SIM_NS.tr2, urls.media2, 2) +
      entry(SIM_NS.tptz, urls.ptz, 2) +
      entry(SIM_NS.tev, urls.events, 2) +
      '</tds:GetServicesResponse>',
  );
}

export function capabilities(urls: SimServices): string {
  const section = (name: string, xaddr: string | undefined, extra = '') =>
    xaddr ? `<tt:${name}><tt:XAddr>${esc(xaddr)}</tt:XAddr>${extra}</tt:${name}>` : '';
  return envelope(
    '<tds:GetCapabilitiesResponse><tds:Capabilities>' +
      section('Device', urls.device) +
      section(
        'Events',
        urls.events,
        '<tt:WSSubscriptionPolicySupport>false</tt:WSSubscriptionPolicySupport><tt:WSPullPointSupport>true</tt:WSPullPointSupport><tt:WSPausableSubscriptionManagerInterfaceSupport>false</tt:WSPausableSubscriptionManagerInterfaceSupport>',
      ) +
      section(
        'Media',
        urls.media,
        '<tt:StreamingCapabilities><tt:RTPMulticast>false</tt:RTPMulticast><tt:RTP_TCP>true</tt:RTP_TCP><tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP></tt:StreamingCapabilities>',
      ) +
      section('PTZ', urls.ptz) +
      '</tds:Capabilities></tds:GetCapabilitiesResponse>',
  );
}

export interface SimProfile {
  token: string;
  name: string;
  encoding: 'H264' | 'H265' | 'JPEG' | 'MPEG4';
  width: number;
  height: number;
  fps: number;
  /** What GetStreamUri returns for this profile. */
  rtspUri: string;
}

function encoderBody(p: SimProfile): string {
  return (
    `<tt:Name>${esc(p.name)} encoder</tt:Name><tt:UseCount>1</tt:UseCount><tt:Encoding>${p.encoding}</tt:Encoding>` +
    `<tt:Resolution><tt:Width>${p.width}</tt:Width><tt:Height>${p.height}</tt:Height></tt:Resolution><tt:Quality>5</tt:Quality>` +
    `<tt:RateControl><tt:FrameRateLimit>${p.fps}</tt:FrameRateLimit><tt:EncodingInterval>1</tt:EncodingInterval><tt:BitrateLimit>4096</tt:BitrateLimit></tt:RateControl>`
  );
}

const PTZ_CONFIGURATION_BODY = '<tt:Name>PTZ</tt:Name><tt:UseCount>2</tt:UseCount><tt:NodeToken>ptz-node</tt:NodeToken>';

export function profilesV1(profiles: SimProfile[], withPtz: boolean): string {
  const one = (p: SimProfile) =>
    `<trt:Profiles token="${esc(p.token)}" fixed="true"><tt:Name>${esc(p.name)}</tt:Name>` +
    '<tt:VideoSourceConfiguration token="vsc-1"><tt:Name>Video source</tt:Name><tt:UseCount>2</tt:UseCount><tt:SourceToken>vs-1</tt:SourceToken><tt:Bounds x="0" y="0" width="1920" height="1080"/></tt:VideoSourceConfiguration>' +
    `<tt:VideoEncoderConfiguration token="vec-${esc(p.token)}">${encoderBody(p)}</tt:VideoEncoderConfiguration>` +
    (withPtz ? `<tt:PTZConfiguration token="ptz-1">${PTZ_CONFIGURATION_BODY}</tt:PTZConfiguration>` : '') +
    '</trt:Profiles>';
  return envelope(`<trt:GetProfilesResponse>${profiles.map(one).join('')}</trt:GetProfilesResponse>`);
}

export function profilesV2(profiles: SimProfile[], withPtz: boolean): string {
  const one = (p: SimProfile) =>
    `<tr2:Profiles token="${esc(p.token)}" fixed="true"><tr2:Name>${esc(p.name)}</tr2:Name><tr2:Configurations>` +
    `<tr2:VideoEncoder token="vec-${esc(p.token)}">${encoderBody(p)}</tr2:VideoEncoder>` +
    (withPtz ? `<tr2:PTZ token="ptz-1">${PTZ_CONFIGURATION_BODY}</tr2:PTZ>` : '') +
    '</tr2:Configurations></tr2:Profiles>';
  return envelope(`<tr2:GetProfilesResponse>${profiles.map(one).join('')}</tr2:GetProfilesResponse>`);
}

export function videoSources(): string {
  return envelope(
    '<trt:GetVideoSourcesResponse><trt:VideoSources token="vs-1"><tt:Framerate>25</tt:Framerate>' +
      '<tt:Resolution><tt:Width>1920</tt:Width><tt:Height>1080</tt:Height></tt:Resolution></trt:VideoSources></trt:GetVideoSourcesResponse>',
  );
}

export function mediaUri(operation: 'GetStreamUri' | 'GetSnapshotUri', uri: string, version: 1 | 2): string {
  if (version === 2) return envelope(`<tr2:${operation}Response><tr2:Uri>${esc(uri)}</tr2:Uri></tr2:${operation}Response>`);
  return envelope(
    `<trt:${operation}Response><trt:MediaUri><tt:Uri>${esc(uri)}</tt:Uri>` +
      '<tt:InvalidAfterConnect>false</tt:InvalidAfterConnect><tt:InvalidAfterReboot>false</tt:InvalidAfterReboot><tt:Timeout>PT0S</tt:Timeout>' +
      `</trt:MediaUri></trt:${operation}Response>`,
  );
}

export function empty(operation: string, prefix: string): string {
  return envelope(`<${prefix}:${operation}Response/>`);
}

export function presets(list: Array<{ token: string; name: string }>): string {
  return envelope(
    `<tptz:GetPresetsResponse>${list
      .map((p) => `<tptz:Preset token="${esc(p.token)}"><tt:Name>${esc(p.name)}</tt:Name></tptz:Preset>`)
      .join('')}</tptz:GetPresetsResponse>`,
  );
}

export function setPresetResponse(token: string): string {
  return envelope(`<tptz:SetPresetResponse><tptz:PresetToken>${esc(token)}</tptz:PresetToken></tptz:SetPresetResponse>`);
}

const iso = (ms: number) => new Date(ms).toISOString();

export function subscriptionCreated(address: string, deviceNow: number, expiresAt: number): string {
  return envelope(
    '<tev:CreatePullPointSubscriptionResponse>' +
      `<tev:SubscriptionReference><wsa:Address>${esc(address)}</wsa:Address></tev:SubscriptionReference>` +
      `<wsnt:CurrentTime>${iso(deviceNow)}</wsnt:CurrentTime><wsnt:TerminationTime>${iso(expiresAt)}</wsnt:TerminationTime>` +
      '</tev:CreatePullPointSubscriptionResponse>',
  );
}

export function renewed(deviceNow: number, expiresAt: number): string {
  return envelope(
    `<wsnt:RenewResponse><wsnt:TerminationTime>${iso(expiresAt)}</wsnt:TerminationTime><wsnt:CurrentTime>${iso(deviceNow)}</wsnt:CurrentTime></wsnt:RenewResponse>`,
  );
}

export interface SimNotification {
  topic: string;
  time: number;
  operation: 'Initialized' | 'Changed';
  source: Array<[string, string]>;
  data: Array<[string, string]>;
}

export function pulled(deviceNow: number, expiresAt: number, messages: SimNotification[]): string {
  const items = (list: Array<[string, string]>) =>
    list.map(([name, value]) => `<tt:SimpleItem Name="${esc(name)}" Value="${esc(value)}"/>`).join('');
  const notification = (m: SimNotification) =>
    '<wsnt:NotificationMessage>' +
    `<wsnt:Topic Dialect="http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet">${esc(m.topic)}</wsnt:Topic>` +
    `<wsnt:Message><tt:Message UtcTime="${iso(m.time)}" PropertyOperation="${m.operation}">` +
    `<tt:Source>${items(m.source)}</tt:Source><tt:Data>${items(m.data)}</tt:Data>` +
    '</tt:Message></wsnt:Message></wsnt:NotificationMessage>';
  return envelope(
    '<tev:PullMessagesResponse>' +
      `<tev:CurrentTime>${iso(deviceNow)}</tev:CurrentTime><tev:TerminationTime>${iso(expiresAt)}</tev:TerminationTime>` +
      messages.map(notification).join('') +
      '</tev:PullMessagesResponse>',
  );
}
