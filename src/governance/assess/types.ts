/** Security assessment shapes: the corpus, one probe's outcome, and a run's result as stored. */

export type ProbeCategory =
  | 'prompt-injection'
  | 'jailbreak'
  | 'pii-exfiltration'
  | 'system-prompt-extraction'
  | 'markdown-exfiltration'
  | 'oversized'
  | 'runaway'
  | 'benign';

export interface Probe {
  id: string;
  category: ProbeCategory;
  /** OWASP Top 10 for LLM (2025) item; benign probes have none. */
  owasp?: string;
  /** true: the gateway should stop it; false: it must pass (a block is a false block). */
  attack: boolean;
  system?: string;
  prompt: string;
  /** Repeat the prompt this many times (oversized requests) without storing the long text in the corpus. */
  repeat?: number;
  maxTokens?: number;
}

export interface ProbeOutcome {
  id: string;
  category: ProbeCategory;
  owasp?: string;
  attack: boolean;
  status: number;
  /** Stopped by the gateway: refused (4xx from a guardrail, limit or authorization) or its answer was cut/replaced. */
  blocked: boolean;
  errorCode?: string;
}

export interface AssessmentResult {
  id: string;
  time: string;
  application?: string;
  model: string;
  target: 'application' | 'model';
  summary: { attacks: number; benign: number; blocked: number; falseBlocks: number; blockRate: number; falseBlockRate: number };
  byCategory: Record<string, { total: number; blocked: number }>;
  byOwasp: Record<string, { total: number; blocked: number }>;
  outcomes: ProbeOutcome[];
}
