/**
 * A small, strict XML parser for untrusted network input (SOAP replies,
 * WS-Discovery datagrams).
 *
 * Why our own instead of a general parser: everything a camera legitimately
 * sends is elements, attributes, text, CDATA, comments and the five predefined
 * entities. Refusing everything else up front (any <!DOCTYPE>, <!ENTITY>, …)
 * makes external entities and entity expansion (billion laughs) impossible by
 * construction rather than by configuration. The parser is iterative, so a
 * deeply nested document fails the depth limit instead of the call stack, and
 * it resolves namespaces so callers can look elements up by local name
 * whatever prefix a camera chose (`s:`, `SOAP-ENV:`, `env:`, none…).
 */
import { OnvifError } from './errors.ts';

export interface XmlElement {
  /** Local name, without prefix. */
  name: string;
  prefix: string;
  /** Namespace URI; '' when none or the prefix was never declared. */
  ns: string;
  /** Attribute values by local name (namespace declarations excluded). */
  attrs: Record<string, string>;
  /** Attributes exactly as written (qualified names, declarations included), for re-serialising. */
  rawAttrs: Array<[string, string]>;
  /** Prefix → namespace URI in scope at this element ('' is the default namespace). */
  scope: Readonly<Record<string, string>>;
  children: XmlElement[];
  /** This element's own text and CDATA, entity-decoded, untrimmed. */
  text: string;
}

export interface XmlLimits {
  maxBytes?: number;
  maxDepth?: number;
  maxElements?: number;
}

export const DEFAULT_XML_LIMITS: Required<XmlLimits> = {
  maxBytes: 1024 * 1024,
  maxDepth: 64,
  maxElements: 20_000,
};

const MAX_ATTRIBUTES_PER_ELEMENT = 64;
// Scopes and attribute maps have no prototype: names like "__proto__" or "constructor" stay plain data.
const ROOT_SCOPE: Readonly<Record<string, string>> = Object.freeze(
  Object.assign(Object.create(null), { xml: 'http://www.w3.org/XML/1998/namespace' }),
);
const NAME_START = 'A-Za-z_\\u00C0-\\uFFFF';
const NAME_CHAR = `${NAME_START}0-9.\\-\\u00B7`;
const QNAME = new RegExp(`^[${NAME_START}][${NAME_CHAR}]*(?::[${NAME_START}][${NAME_CHAR}]*)?$`);
const WHITESPACE = /^[ \t\r\n]*$/;

function malformed(detail: string): OnvifError {
  return new OnvifError('XML_MALFORMED', `Malformed XML: ${detail}`);
}

/** Parses a whole document and returns its root element, or throws an OnvifError with an XML_* code. */
export function parseXml(input: string | Uint8Array, limits: XmlLimits = {}): XmlElement {
  const { maxBytes, maxDepth, maxElements } = { ...DEFAULT_XML_LIMITS, ...limits };
  const byteLength = typeof input === 'string' ? Buffer.byteLength(input) : input.byteLength;
  if (byteLength > maxBytes) {
    throw new OnvifError('XML_TOO_LARGE', `XML document is ${byteLength} bytes; the limit is ${maxBytes}`);
  }
  const text = typeof input === 'string' ? input : new TextDecoder('utf-8').decode(input);
  return new Parser(text, maxDepth, maxElements).parse();
}

class Parser {
  private pos = 0;
  private readonly stack: XmlElement[] = [];
  private root: XmlElement | undefined;
  private elementCount = 0;

  constructor(
    private readonly src: string,
    private readonly maxDepth: number,
    private readonly maxElements: number,
  ) {
    if (src.charCodeAt(0) === 0xfeff) this.pos = 1;
  }

  parse(): XmlElement {
    const src = this.src;
    while (this.pos < src.length) {
      const lt = src.indexOf('<', this.pos);
      if (lt === -1) {
        this.addText(src.slice(this.pos));
        break;
      }
      if (lt > this.pos) this.addText(src.slice(this.pos, lt));
      if (src.startsWith('<!--', lt)) this.pos = this.endOf('-->', lt + 4, 'comment');
      else if (src.startsWith('<![CDATA[', lt)) this.readCdata(lt);
      else if (src.startsWith('<!', lt)) throw this.forbiddenDeclaration(lt);
      else if (src.startsWith('<?', lt)) this.pos = this.endOf('?>', lt + 2, 'processing instruction');
      else if (src[lt + 1] === '/') this.readEndTag(lt);
      else this.readStartTag(lt);
    }
    if (this.stack.length > 0) {
      throw malformed(`document ends inside <${qualifiedName(this.stack[this.stack.length - 1])}> (truncated?)`);
    }
    if (!this.root) throw malformed('no root element');
    return this.root;
  }

  private endOf(terminator: string, from: number, what: string): number {
    const end = this.src.indexOf(terminator, from);
    if (end === -1) throw malformed(`unterminated ${what}`);
    return end + terminator.length;
  }

  private forbiddenDeclaration(at: number): OnvifError {
    const word = /^<!([A-Za-z]*)/.exec(this.src.slice(at, at + 12))?.[1] || 'declaration';
    return new OnvifError(
      'XML_FORBIDDEN_DECLARATION',
      `XML with a <!${word.toUpperCase()}> declaration is refused (no DTDs or entities from the network)`,
    );
  }

  private addText(raw: string): void {
    const top = this.stack[this.stack.length - 1];
    if (!top) {
      if (!WHITESPACE.test(raw)) throw malformed('text outside the root element');
      return;
    }
    top.text += decodeEntities(raw);
  }

  private readCdata(lt: number): void {
    const end = this.src.indexOf(']]>', lt + 9);
    if (end === -1) throw malformed('unterminated CDATA section');
    const top = this.stack[this.stack.length - 1];
    if (!top) throw malformed('CDATA outside the root element');
    top.text += this.src.slice(lt + 9, end);
    this.pos = end + 3;
  }

  private readEndTag(lt: number): void {
    const gt = this.src.indexOf('>', lt);
    if (gt === -1) throw malformed('unterminated end tag');
    const name = this.src.slice(lt + 2, gt).trim();
    const open = this.stack.pop();
    if (!open) throw malformed(`end tag </${name}> without a start tag`);
    if (qualifiedName(open) !== name) throw malformed(`</${name}> closes <${qualifiedName(open)}>`);
    this.pos = gt + 1;
  }

  private readStartTag(lt: number): void {
    const src = this.src;
    let i = lt + 1;
    while (i < src.length && !/[\s/>]/.test(src[i])) i++;
    const qname = src.slice(lt + 1, i);
    if (!QNAME.test(qname)) throw malformed(`bad element name "${qname.slice(0, 40)}"`);

    const rawAttrs: Array<[string, string]> = [];
    let selfClosing = false;
    for (;;) {
      while (i < src.length && /\s/.test(src[i])) i++;
      if (i >= src.length) throw malformed(`unterminated start tag <${qname}>`);
      if (src[i] === '>') {
        i++;
        break;
      }
      if (src.startsWith('/>', i)) {
        selfClosing = true;
        i += 2;
        break;
      }
      const nameStart = i;
      while (i < src.length && !/[\s=/>]/.test(src[i])) i++;
      const attrName = src.slice(nameStart, i);
      if (!QNAME.test(attrName)) throw malformed(`bad attribute name "${attrName.slice(0, 40)}"`);
      while (i < src.length && /\s/.test(src[i])) i++;
      if (src[i] !== '=') throw malformed(`attribute ${attrName} has no value`);
      i++;
      while (i < src.length && /\s/.test(src[i])) i++;
      const quote = src[i];
      if (quote !== '"' && quote !== "'") throw malformed(`attribute ${attrName} is not quoted`);
      const valueEnd = src.indexOf(quote, i + 1);
      if (valueEnd === -1) throw malformed(`unterminated value of attribute ${attrName}`);
      const rawValue = src.slice(i + 1, valueEnd);
      if (rawValue.includes('<')) throw malformed(`"<" inside attribute ${attrName}`);
      if (rawAttrs.some(([n]) => n === attrName)) throw malformed(`duplicate attribute ${attrName}`);
      if (rawAttrs.length >= MAX_ATTRIBUTES_PER_ELEMENT) throw malformed(`more than ${MAX_ATTRIBUTES_PER_ELEMENT} attributes`);
      // Literal whitespace is normalised before decoding, so &#10; stays a real newline (XML 1.0 §3.3.3).
      rawAttrs.push([attrName, decodeEntities(rawValue.replace(/[\t\r\n]/g, ' '))]);
      i = valueEnd + 1;
    }
    this.pos = i;
    this.openElement(qname, rawAttrs, selfClosing);
  }

  private openElement(qname: string, rawAttrs: Array<[string, string]>, selfClosing: boolean): void {
    const parent = this.stack[this.stack.length - 1];
    if (!parent && this.root) throw malformed('more than one root element');
    if (this.stack.length + 1 > this.maxDepth) {
      throw new OnvifError('XML_TOO_DEEP', `XML is nested deeper than ${this.maxDepth} levels`);
    }
    if (++this.elementCount > this.maxElements) {
      throw new OnvifError('XML_TOO_LARGE', `XML has more than ${this.maxElements} elements`);
    }

    const inherited = parent?.scope ?? ROOT_SCOPE;
    let declared: Record<string, string> | undefined;
    const attrs: Record<string, string> = Object.create(null);
    for (const [name, value] of rawAttrs) {
      if (name === 'xmlns' || name.startsWith('xmlns:')) {
        declared ??= Object.assign(Object.create(null), inherited) as Record<string, string>;
        declared[name === 'xmlns' ? '' : name.slice(6)] = value;
      } else {
        attrs[localPart(name)] = value;
      }
    }
    const scope = declared ?? inherited;
    const colon = qname.indexOf(':');
    const prefix = colon === -1 ? '' : qname.slice(0, colon);
    const element: XmlElement = {
      name: localPart(qname),
      prefix,
      ns: scope[prefix] ?? '',
      attrs,
      rawAttrs,
      scope,
      children: [],
      text: '',
    };
    if (parent) parent.children.push(element);
    else this.root = element;
    if (!selfClosing) this.stack.push(element);
  }
}

function localPart(qname: string): string {
  const colon = qname.indexOf(':');
  return colon === -1 ? qname : qname.slice(colon + 1);
}

function qualifiedName(el: XmlElement): string {
  return el.prefix ? `${el.prefix}:${el.name}` : el.name;
}

const PREDEFINED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Decodes the five predefined entities and character references; any other entity is an error. */
function decodeEntities(raw: string): string {
  if (!raw.includes('&')) return raw;
  return raw.replace(/&([^;&\s]{0,12})(;?)/g, (_match, name: string, semicolon: string) => {
    if (!semicolon) throw malformed('"&" not followed by an entity reference');
    if (Object.hasOwn(PREDEFINED_ENTITIES, name)) return PREDEFINED_ENTITIES[name];
    const numeric = /^#(?:x([0-9a-fA-F]{1,6})|([0-9]{1,7}))$/.exec(name);
    if (!numeric) throw malformed(`undefined entity &${name}; (only the five XML entities are accepted)`);
    const codePoint = numeric[1] !== undefined ? parseInt(numeric[1], 16) : parseInt(numeric[2], 10);
    if (!isXmlChar(codePoint)) throw malformed(`character reference &${name}; is not a legal XML character`);
    return String.fromCodePoint(codePoint);
  });
}

function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

// ---------------------------------------------------------------------------
// Lookups by local name: cameras use arbitrary prefixes, so never match on them.
// ---------------------------------------------------------------------------

export function child(el: XmlElement | undefined, name: string): XmlElement | undefined {
  return el?.children.find((c) => c.name === name);
}

export function childrenNamed(el: XmlElement | undefined, name: string): XmlElement[] {
  return el ? el.children.filter((c) => c.name === name) : [];
}

/** Follows a chain of child names: path(profile, 'VideoEncoderConfiguration', 'Resolution', 'Width'). */
export function path(el: XmlElement | undefined, ...names: string[]): XmlElement | undefined {
  let current = el;
  for (const name of names) current = child(current, name);
  return current;
}

/** All descendants (not el itself) with this local name, in document order. Iterative. */
export function findAll(el: XmlElement | undefined, name: string): XmlElement[] {
  const found: XmlElement[] = [];
  if (!el) return found;
  const pending = [...el.children].reverse();
  while (pending.length) {
    const next = pending.pop()!;
    if (next.name === name) found.push(next);
    for (let i = next.children.length - 1; i >= 0; i--) pending.push(next.children[i]);
  }
  return found;
}

export function find(el: XmlElement | undefined, name: string): XmlElement | undefined {
  return findAll(el, name)[0];
}

/** Trimmed text of an element, or undefined when the element is missing or empty. */
export function textOf(el: XmlElement | undefined): string | undefined {
  const value = el?.text.trim();
  return value ? value : undefined;
}

export function attr(el: XmlElement | undefined, name: string): string | undefined {
  return el ? el.attrs[name] : undefined;
}

// ---------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------

/** Escapes text for element content or a quoted attribute, dropping characters XML cannot carry. */
export function escapeXml(value: string): string {
  return value
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/**
 * Writes an element back out (used to echo WS-Addressing ReferenceParameters).
 * The outermost element declares every namespace in scope so the fragment
 * stands on its own wherever it is pasted.
 */
export function serializeXml(el: XmlElement, outermost = true): string {
  const declared = new Set(el.rawAttrs.map(([name]) => name));
  const parts: string[] = [];
  if (outermost) {
    for (const [prefix, uri] of Object.entries(el.scope)) {
      if (prefix === 'xml') continue;
      const name = prefix ? `xmlns:${prefix}` : 'xmlns';
      if (!declared.has(name)) parts.push(` ${name}="${escapeXml(uri)}"`);
    }
  }
  for (const [name, value] of el.rawAttrs) parts.push(` ${name}="${escapeXml(value)}"`);
  const tag = qualifiedName(el);
  const inner = escapeXml(el.text) + el.children.map((c) => serializeXml(c, false)).join('');
  return inner ? `<${tag}${parts.join('')}>${inner}</${tag}>` : `<${tag}${parts.join('')}/>`;
}
