/**
 * Output-handling detector: model output that would act when rendered. Markdown images fetch their
 * URL as soon as a client renders them, so an image (or a link carrying a query string) to a host
 * off the allowlist is the classic prompt-injection exfiltration channel; raw HTML script, iframes,
 * event handlers and javascript: URLs are XSS in any client that renders HTML.
 */
import type { Confidence, Detector, Finding, TextSource } from '../types.js';
import { DetectorConfigError } from './config-error.js';

export { createJsonSchemaCheck, type JsonSchemaCheckOptions } from './json-schema.js';

export const OUTPUT_DETECTOR = 'output';

export type OutputType =
  | 'MARKDOWN_IMAGE' | 'MARKDOWN_LINK' | 'HTML_SCRIPT' | 'HTML_EMBED' | 'HTML_EVENT_HANDLER' | 'HTML_IMAGE' | 'SCRIPT_URL';

export interface OutputFinding extends Finding {
  type: OutputType;
  /** Host the URL points at, when there is one. */
  host?: string;
}

export interface OutputDetector extends Detector {
  scan(text: string, source?: TextSource): OutputFinding[];
}

export interface OutputOptions {
  /** Hosts images and links may point at: `example.com` (exact) or `*.example.com` (any subdomain). */
  allowedHosts?: string[];
  /**
   * `query` (default): links to other hosts are flagged only when they carry a query string or
   * fragment (data can ride along); `all`: every link to another host is flagged.
   */
  links?: 'query' | 'all' | 'none';
  /** Flag raw HTML (script, iframes, event handlers). Default true. External `<img>` is always flagged: it is exfiltration, not markup. */
  html?: boolean;
}

const HOST_RE = /^(?:\*\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

// ![alt](url "title") and [text](url); the URL part stops at whitespace or ')'.
const MD_RE = /(!?)\[([^\]\n]{0,2000})\]\(\s*<?([^)\s>]{1,8192})>?(?:\s+["'][^"'\n]{0,500}["'])?\s*\)/g;
// Reference definitions: [id]: url
const MD_REF_RE = /^[ \t]{0,3}\[[^\]\n]{1,200}\]:[ \t]*<?([^\s>]{1,8192})/gm;
const SCRIPT_TAG_RE = /<\s*(script|iframe|frame|frameset|object|embed|applet|base|form|meta|link|style|svg|math)\b/gi;
// Attribute scans stop at the next '<' so a text full of '<' cannot make each attempt run long.
const IMG_TAG_RE = /<\s*img\b[^<>]{0,2000}?\bsrc\s*=\s*["']?([^"'\s>]{1,8192})/gi;
const EVENT_ATTR_RE = /<[a-z][^<>]{0,2000}?\s(on[a-z]{3,30})\s*=/gi;
const SCRIPT_URL_RE = /\b(?:javascript|vbscript|livescript)\s*:|\bdata\s*:\s*(?:text\/html|image\/svg\+xml|application\/(?:x-)?javascript)/gi;

function hostOf(url: string): string | undefined {
  const m = /^(?:[a-z][a-z0-9+.\-]*:)?\/\/(?:[^\/?#@]*@)?(\[[^\]]+\]|[^\/?#:]+)/i.exec(url);
  return m ? m[1].toLowerCase().replace(/\.$/, '') : undefined;
}

function compileAllowlist(hosts: string[] | undefined): (host: string) => boolean {
  const list = hosts ?? [];
  if (!Array.isArray(list)) throw new DetectorConfigError('allowedHosts', 'must be an array');
  const exact = new Set<string>();
  const suffixes: string[] = [];
  list.forEach((h, i) => {
    const v = typeof h === 'string' ? h.toLowerCase() : '';
    if (!HOST_RE.test(v)) throw new DetectorConfigError(`allowedHosts[${i}]`, `not a host name or *.domain pattern: '${String(h)}'`);
    if (v.startsWith('*.')) suffixes.push(v.slice(1));
    else exact.add(v);
  });
  return (host) => exact.has(host) || suffixes.some((s) => host.endsWith(s));
}

function eachMatch(re: RegExp, s: string, fn: (m: RegExpExecArray) => void): void {
  re.lastIndex = 0;
  for (let m = re.exec(s); m !== null; m = re.exec(s)) fn(m);
}

export function createOutputDetector(opts: OutputOptions = {}): OutputDetector {
  const allowed = compileAllowlist(opts.allowedHosts);
  const links = opts.links ?? 'query';
  const html = opts.html ?? true;
  if (!['query', 'all', 'none'].includes(links)) throw new DetectorConfigError('links', "must be 'query', 'all' or 'none'");

  /** Judges one URL; returns the confidence to flag it with, or undefined to let it pass. */
  function judge(url: string, image: boolean): { confidence: Confidence; host?: string } | undefined {
    const trimmed = url.trim();
    if (/^(?:javascript|vbscript|livescript)\s*:/i.test(trimmed)) return { confidence: 'HIGH' };
    const host = hostOf(trimmed);
    if (host === undefined) {
      // Relative URLs resolve against the rendering page's own origin; data: images carry no request.
      return undefined;
    }
    if (allowed(host)) return undefined;
    const carriesData = /[?#]./.test(trimmed);
    if (image) return { confidence: carriesData ? 'HIGH' : 'MEDIUM', host };
    if (links === 'none') return undefined;
    if (links === 'all') return { confidence: carriesData ? 'MEDIUM' : 'LOW', host };
    return carriesData ? { confidence: 'MEDIUM', host } : undefined;
  }

  return {
    name: OUTPUT_DETECTOR,
    scan(text: string): OutputFinding[] {
      const out: OutputFinding[] = [];
      const push = (type: OutputType, start: number, end: number, confidence: Confidence, host?: string): void => {
        const f: OutputFinding = { detector: OUTPUT_DETECTOR, type, start, end, confidence };
        if (host !== undefined) f.host = host;
        out.push(f);
      };
      if (text.includes('](')) {
        eachMatch(MD_RE, text, (m) => {
          const image = m[1] === '!';
          const v = judge(m[3], image);
          if (v) push(image ? 'MARKDOWN_IMAGE' : 'MARKDOWN_LINK', m.index, m.index + m[0].length, v.confidence, v.host);
        });
      }
      if (text.includes(']:')) {
        // A definition may back an image or a link; treat it as an image, the stricter case.
        eachMatch(MD_REF_RE, text, (m) => {
          const v = judge(m[1], true);
          if (v) push('MARKDOWN_IMAGE', m.index, m.index + m[0].length, v.confidence, v.host);
        });
      }
      if (text.includes('<')) {
        if (html) eachMatch(SCRIPT_TAG_RE, text, (m) => push(m[1].toLowerCase() === 'script' ? 'HTML_SCRIPT' : 'HTML_EMBED', m.index, m.index + m[0].length, 'HIGH'));
        eachMatch(IMG_TAG_RE, text, (m) => {
          const v = judge(m[1], true);
          if (v) push('HTML_IMAGE', m.index, m.index + m[0].length, v.confidence, v.host);
        });
        if (html) eachMatch(EVENT_ATTR_RE, text, (m) => push('HTML_EVENT_HANDLER', m.index, m.index + m[0].length, 'HIGH'));
      }
      if (text.includes(':')) eachMatch(SCRIPT_URL_RE, text, (m) => push('SCRIPT_URL', m.index, m.index + m[0].length, 'HIGH'));
      return out;
    },
  };
}
