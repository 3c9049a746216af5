// Office documents (OOXML: docx, pptx, xlsx; OpenDocument: odt, ods, odp) are ZIP packages of XML
// parts. This opens one safely: a password-protected file (an encrypted OOXML file is an OLE
// compound file, not a ZIP; an encrypted OpenDocument part is declared in its manifest), a legacy
// binary one or a corrupt one is refused by name before any parser sees it, and the declared
// unpacked size is capped so a small upload cannot expand into gigabytes (a "zip bomb").
import { DOMParser, type Document as XmlDocument, type Element as XmlElement, type Node as XmlNode } from '@xmldom/xmldom';
import { strFromU8, unzipSync } from 'fflate';
import { unprocessable } from '../../errors.ts';

export type { XmlDocument, XmlElement, XmlNode };

/** Unpacked bytes an office document may declare: generous for text, far below memory trouble. */
export const maximumUnpackedBytes = 256 * 1024 * 1024;

const compoundFileSignature = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
const zipSignature = [0x50, 0x4b, 0x03, 0x04];
const encryptedPackageName = Buffer.from('EncryptedPackage', 'utf16le');

function startsWith(bytes: Uint8Array, signature: number[]): boolean {
  return signature.every((byte, index) => bytes[index] === byte);
}

/** The error for a file that could not be parsed; the parser's own message says what was wrong. */
export function unreadable(source: string, format: string, cause?: unknown) {
  const reason = cause instanceof Error ? `: ${cause.message}` : '';
  return unprocessable(`"${source}" could not be read as ${format}; the file is corrupt or not a ${format} file${reason}`, undefined, { cause });
}

function passwordProtected(source: string) {
  return unprocessable(`"${source}" is password-protected (encrypted); remove the password in its application and upload it again`);
}

export function requireBytes(source: string, format: string, content: string | Uint8Array): Uint8Array {
  if (typeof content === 'string') throw unprocessable(`"${source}" is declared as ${format} but was given as text (send the file's bytes, or base64 in JSON)`);
  return content;
}

/**
 * Checks that `bytes` are an unencrypted ZIP package within the size cap. OOXML files go to
 * their own parser (mammoth, exceljs) afterwards; OpenDocument and PPTX parts are read with `read`.
 */
export function openOfficeArchive(source: string, format: string, bytes: Uint8Array) {
  if (startsWith(bytes, compoundFileSignature)) {
    // Office saves a password-protected .docx/.xlsx/.pptx as an OLE compound file holding an
    // "EncryptedPackage" stream (its directory names are UTF-16LE); legacy .doc/.xls/.ppt are compound files too.
    if (Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes(encryptedPackageName)) throw passwordProtected(source);
    throw unprocessable(`"${source}" is a legacy binary Office file (.doc, .xls or .ppt), not ${format}; save it as ${format} and upload it again`);
  }
  if (!startsWith(bytes, zipSignature)) throw unreadable(source, format);
  let declaredBytes = 0;
  const names: string[] = [];
  try {
    // The filter sees every entry's declared size before anything is inflated; nothing is inflated here.
    unzipSync(bytes, {
      filter: (file) => {
        declaredBytes += file.originalSize;
        names.push(file.name);
        return false;
      },
    });
  } catch (error) {
    throw unreadable(source, format, error);
  }
  if (declaredBytes > maximumUnpackedBytes) {
    throw unprocessable(
      `"${source}" unpacks to ${Math.round(declaredBytes / 1024 / 1024)} MiB, more than the ${maximumUnpackedBytes / 1024 / 1024} MiB an office document may hold`,
    );
  }
  const entries = new Set(names);

  function readBytes(name: string): Uint8Array | undefined {
    if (!entries.has(name)) return undefined;
    try {
      return unzipSync(bytes, { filter: (file) => file.name === name })[name];
    } catch (error) {
      throw unreadable(source, format, error);
    }
  }

  function readXml(name: string): XmlDocument | undefined {
    const part = readBytes(name);
    if (!part) return undefined;
    try {
      return new DOMParser({
        onError: (level, message) => {
          if (level !== 'warning') throw new Error(`${name}: ${message}`);
        },
      }).parseFromString(strFromU8(part), 'text/xml');
    } catch (error) {
      throw unreadable(source, format, error);
    }
  }

  return {
    entries,
    readXml,
    /** A part the format requires; its absence means the file is not what it claims to be. */
    requireXml(name: string): XmlDocument {
      const document = readXml(name);
      if (!document) throw unreadable(source, format, new Error(`it has no ${name}`));
      return document;
    },
    /** OpenDocument marks encrypted parts in its manifest (their bytes are not XML). */
    refuseEncryptedOpenDocument(): void {
      const manifest = readXml('META-INF/manifest.xml');
      if (manifest && elementsNamed(manifest, 'encryption-data').length > 0) throw passwordProtected(source);
    },
  };
}

export type OfficeArchive = ReturnType<typeof openOfficeArchive>;

/** Element children of a node. */
export function childElements(node: XmlNode): XmlElement[] {
  const children: XmlElement[] = [];
  for (let child = node.firstChild; child; child = child.nextSibling) {
    if (child.nodeType === child.ELEMENT_NODE) children.push(child as XmlElement);
  }
  return children;
}

/**
 * Descendant elements by local name. Prefixes are matched loosely on purpose: strict and
 * transitional OOXML use different namespace URIs for the same elements.
 */
export function elementsNamed(node: XmlDocument | XmlElement, localName: string): XmlElement[] {
  return Array.from(node.getElementsByTagNameNS('*', localName));
}

/** An attribute by local name, whatever its prefix. */
export function attributeNamed(element: XmlElement, localName: string): string | undefined {
  for (const attribute of Array.from(element.attributes)) {
    if (attribute.localName === localName) return attribute.value;
  }
  return undefined;
}

/** The Dublin Core title in docProps/core.xml (OOXML) or meta.xml (OpenDocument), if set. */
export function documentTitle(archive: OfficeArchive, part: 'docProps/core.xml' | 'meta.xml'): string | undefined {
  const properties = archive.readXml(part);
  const title = properties ? elementsNamed(properties, 'title')[0]?.textContent?.trim() : undefined;
  return title || undefined;
}

/** A line of document text that Markdown will not mistake for a heading or a code fence. */
export function asMarkdownLine(text: string): string {
  return text.replace(/^(\s*)(#|```|~~~)/, '$1\\$2');
}
