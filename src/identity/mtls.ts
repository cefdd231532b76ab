import type { PeerCertificateInfo, Principal } from './types.js';

/**
 * Maps a client certificate, already verified by the TLS layer against the configured client CA,
 * to a principal. Rules are tried in order; every field a rule names must match exactly, and a
 * rule must name at least one subject field so that "any certificate from the CA" is never implied.
 */

export interface MtlsRule {
  match: {
    subjectCN?: string;
    subjectO?: string;
    subjectOU?: string;
    issuerCN?: string;
    /** One SAN entry as Node prints it, e.g. `DNS:svc.internal` or `URI:spiffe://corp/ns/a`. */
    san?: string;
    /** SHA-256 fingerprint, colon-separated hex as Node prints it. */
    fingerprint256?: string;
  };
  principal: { name?: string; roles: string[]; team?: string; application?: string; allowedNetworks?: string[] };
}

export class MtlsConfigError extends Error {
  override readonly name = 'MtlsConfigError';
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? (v.length === 1 ? v[0] : undefined) : v;
}

/** SAN entries split on ", " (Node's format); quoted entries containing commas are kept whole. */
function sanEntries(s: string | undefined): string[] {
  if (!s) return [];
  return s.match(/(?:[A-Za-z ]+:(?:"(?:[^"\\]|\\.)*"|[^,]*))/g)?.map((x) => x.trim()) ?? [];
}

export class MtlsMapper {
  private readonly rules: readonly MtlsRule[];

  constructor(rules: MtlsRule[]) {
    rules.forEach((r, i) => {
      const m = r.match ?? {};
      if (!m.subjectCN && !m.subjectO && !m.subjectOU && !m.san && !m.fingerprint256)
        throw new MtlsConfigError(`mtls.rules[${i}].match must name a subject field, a SAN or a fingerprint`);
      if (!Array.isArray(r.principal?.roles)) throw new MtlsConfigError(`mtls.rules[${i}].principal.roles is required`);
    });
    this.rules = rules;
  }

  /** undefined when no certificate, or no rule matches it. */
  map(cert: PeerCertificateInfo | undefined): Principal | undefined {
    if (!cert || !cert.subject) return undefined;
    const cn = first(cert.subject.CN);
    const sans = sanEntries(cert.subjectaltname);
    for (const r of this.rules) {
      const m = r.match;
      if (m.subjectCN !== undefined && m.subjectCN !== cn) continue;
      if (m.subjectO !== undefined && m.subjectO !== first(cert.subject.O)) continue;
      if (m.subjectOU !== undefined && m.subjectOU !== first(cert.subject.OU)) continue;
      if (m.issuerCN !== undefined && m.issuerCN !== first(cert.issuer?.CN)) continue;
      if (m.san !== undefined && !sans.includes(m.san)) continue;
      if (m.fingerprint256 !== undefined && m.fingerprint256.toUpperCase() !== cert.fingerprint256?.toUpperCase()) continue;
      const subject = cn ?? cert.fingerprint256 ?? 'unknown';
      return {
        id: `cert:${subject}`,
        kind: 'certificate',
        name: r.principal.name ?? subject,
        roles: [...r.principal.roles],
        team: r.principal.team,
        application: r.principal.application,
        allowedNetworks: r.principal.allowedNetworks,
        authMethod: 'mtls',
        mfa: false,
      };
    }
    return undefined;
  }
}
