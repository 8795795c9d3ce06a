import { describe, expect, it } from 'vitest';
import { OnvifError } from '../../main/engine/onvif/errors.ts';
import { child, escapeXml, find, findAll, parseXml, path, serializeXml, textOf } from '../../main/engine/onvif/xml.ts';

describe('parseXml', () => {
  it('resolves namespaces so lookups work whatever prefix a camera uses', () => {
    const docs = [
      '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><t:Uri xmlns:t="urn:x">rtsp://a/b</t:Uri></s:Body></s:Envelope>',
      '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope"><SOAP-ENV:Body><Uri>rtsp://a/b</Uri></SOAP-ENV:Body></SOAP-ENV:Envelope>',
      '<Envelope xmlns="http://www.w3.org/2003/05/soap-envelope"><Body><Uri>rtsp://a/b</Uri></Body></Envelope>',
    ];
    for (const doc of docs) {
      const root = parseXml(doc);
      expect(root.name).toBe('Envelope');
      expect(root.ns).toBe('http://www.w3.org/2003/05/soap-envelope');
      expect(textOf(path(root, 'Body', 'Uri'))).toBe('rtsp://a/b');
    }
  });

  it('decodes the five entities, character references and CDATA', () => {
    const root = parseXml('<a x="1 &amp; 2">&lt;&gt;&amp;&quot;&apos; &#65;&#x42; <![CDATA[<raw> & ]]></a>');
    expect(root.attrs.x).toBe('1 & 2');
    expect(root.text).toBe(`<>&"' AB <raw> & `);
  });

  it('skips comments, processing instructions and a BOM', () => {
    const root = parseXml('\uFEFF<?xml version="1.0"?><!-- hi --><a><!-- <b/> --><c/></a><!-- bye -->');
    expect(root.children.map((c) => c.name)).toEqual(['c']);
  });

  it('keeps attribute maps free of prototype tricks', () => {
    const root = parseXml('<a __proto__="x" constructor="y"/>');
    expect(Object.getPrototypeOf(root.attrs)).toBeNull();
    expect(root.attrs.constructor).toBe('y');
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('finds descendants in document order without recursion', () => {
    const root = parseXml('<a><b><c>1</c></b><c>2</c><d><c>3</c></d></a>');
    expect(findAll(root, 'c').map((c) => c.text)).toEqual(['1', '2', '3']);
    expect(find(root, 'c')?.text).toBe('1');
    expect(child(root, 'c')?.text).toBe('2');
  });

  it('accepts a document at exactly the depth limit and refuses one deeper', () => {
    const nest = (n: number) => '<a>'.repeat(n) + '</a>'.repeat(n);
    expect(() => parseXml(nest(64))).not.toThrow();
    expect(() => parseXml(nest(65))).toThrow(expect.objectContaining({ code: 'XML_TOO_DEEP' }));
  });

  it('throws typed errors', () => {
    const cases: Array<[string, string]> = [
      ['<a>', 'XML_MALFORMED'],
      ['<!DOCTYPE a><a/>', 'XML_FORBIDDEN_DECLARATION'],
      ['<a>&nbsp;</a>', 'XML_MALFORMED'],
      ['x'.repeat(2 * 1024 * 1024), 'XML_TOO_LARGE'],
    ];
    for (const [doc, code] of cases) {
      let caught: unknown;
      try {
        parseXml(doc);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(OnvifError);
      expect((caught as OnvifError).code).toBe(code);
    }
  });

  it('honours custom limits', () => {
    expect(() => parseXml('<a><b/><b/><b/></a>', { maxElements: 3 })).toThrow(expect.objectContaining({ code: 'XML_TOO_LARGE' }));
    expect(() => parseXml('<a>0123456789</a>', { maxBytes: 10 })).toThrow(expect.objectContaining({ code: 'XML_TOO_LARGE' }));
  });
});

describe('escapeXml and serializeXml', () => {
  it('escapes markup and drops characters XML cannot carry', () => {
    expect(escapeXml(`<a href="x">&'\u0000\u0007ok`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;ok');
  });

  it('writes a fragment that parses back to the same thing, namespaces included', () => {
    const root = parseXml('<r xmlns:x="urn:x"><x:Id a="1&amp;2">sub&lt;1<x:Part/></x:Id></r>');
    const fragment = serializeXml(child(root, 'Id')!);
    const again = parseXml(fragment);
    expect(again.ns).toBe('urn:x');
    expect(again.attrs.a).toBe('1&2');
    expect(again.text).toBe('sub<1');
    expect(again.children[0].ns).toBe('urn:x');
  });
});
