/**
 * Fault injection: rules are checked before routing, in the order they were injected, and the
 * first rule that matches and fires decides the fault for that request (one fault per request).
 * Probabilities are drawn from a seeded PRNG so that a failing test can be replayed exactly.
 */
import type { FaultRule } from "./types";

const KINDS = new Set<FaultRule["kind"]>(["status", "reset", "timeout", "latency", "malformed"]);

interface ActiveRule {
  rule: FaultRule;
  remaining: number;
}

export class FaultInjector {
  private rules: ActiveRule[] = [];
  private readonly random: () => number;

  constructor(seed: number) {
    this.random = mulberry32(seed);
  }

  add(rule: FaultRule): void {
    validateRule(rule);
    const copy: FaultRule = { ...rule };
    this.rules.push({ rule: copy, remaining: rule.times ?? 1 });
  }

  clear(): void {
    this.rules = [];
  }

  /** The rule that hits this request, if any; using it counts against its `times`. */
  match(method: string, path: string): FaultRule | undefined {
    for (const active of this.rules) {
      const { rule } = active;
      if (active.remaining <= 0) continue;
      if (rule.method !== undefined && rule.method.toUpperCase() !== method.toUpperCase()) continue;
      if (!pathMatches(rule.path, path)) continue;
      // Draw only for candidate rules, so the sequence depends on traffic, not on timing.
      if (rule.probability !== undefined && rule.probability < 1 && !(this.random() < rule.probability)) continue;
      active.remaining -= 1;
      return rule;
    }
    return undefined;
  }
}

/** Exact match for strings, `test` for regular expressions; undefined matches every path. */
export function pathMatches(pattern: string | RegExp | undefined, path: string): boolean {
  if (pattern === undefined) return true;
  if (typeof pattern === "string") return pattern === path;
  pattern.lastIndex = 0; // a /g or /y pattern keeps state between calls otherwise
  return pattern.test(path);
}

function validateRule(rule: FaultRule): void {
  if (!KINDS.has(rule.kind)) throw new TypeError(`unknown fault kind ${String(rule.kind)}`);
  if (rule.kind === "status" && !(Number.isInteger(rule.status) && rule.status! >= 100 && rule.status! <= 599)) {
    throw new TypeError(`a "status" fault needs a status between 100 and 599, got ${String(rule.status)}`);
  }
  if (rule.kind === "latency" && !(typeof rule.delayMs === "number" && rule.delayMs >= 0)) {
    throw new TypeError(`a "latency" fault needs delayMs >= 0, got ${String(rule.delayMs)}`);
  }
  if (rule.times !== undefined && !(rule.times >= 0)) {
    throw new TypeError(`fault times must be >= 0, got ${String(rule.times)}`);
  }
  if (rule.probability !== undefined && !(rule.probability >= 0 && rule.probability <= 1)) {
    throw new TypeError(`fault probability must be within 0..1, got ${String(rule.probability)}`);
  }
}

/** A small, well-known 32-bit PRNG; good enough to decide faults, and reproducible. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
