/**
 * HS256 JSON Web Tokens, made with node:crypto only. Each emulator signs with its own random key,
 * so a token from one emulator (or from real emnify) is simply invalid on another.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export interface JwtPayload {
  sub: string;
  iat: number;
  exp: number;
  /** The caller's organisation id, named as in emnify's own tokens. */
  "esc.org": number;
  iss: string;
  /** Sequence number of the token; lets expireAll() revoke everything issued so far. */
  jti: string;
}

export type VerifyResult = { ok: true; payload: JwtPayload } | { ok: false; reason: "invalid" | "expired" };

const HEADER = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));

export class JwtIssuer {
  private readonly key = randomBytes(32);
  private issued = 0;
  /** Tokens with a sequence number below this count as expired. */
  private revokedBelow = 0;

  constructor(private readonly lifetimeSeconds: number) {}

  issue(claims: { sub: string; org: number }, nowMs = Date.now()): string {
    const iat = Math.floor(nowMs / 1000);
    const payload: JwtPayload = {
      sub: claims.sub,
      iat,
      exp: iat + this.lifetimeSeconds,
      "esc.org": claims.org,
      iss: "pulumi-emnify emulator",
      jti: String(this.issued++),
    };
    const body = `${HEADER}.${base64url(JSON.stringify(payload))}`;
    return `${body}.${this.sign(body)}`;
  }

  verify(token: string, nowMs = Date.now()): VerifyResult {
    const parts = token.split(".");
    if (parts.length !== 3 || parts[0] !== HEADER) return { ok: false, reason: "invalid" };
    const expected = Buffer.from(this.sign(`${parts[0]}.${parts[1]}`));
    const given = Buffer.from(parts[2]);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return { ok: false, reason: "invalid" };
    }
    let payload: JwtPayload;
    try {
      payload = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8")) as JwtPayload;
    } catch {
      return { ok: false, reason: "invalid" };
    }
    if (nowMs >= payload.exp * 1000 || Number(payload.jti) < this.revokedBelow) {
      return { ok: false, reason: "expired" };
    }
    return { ok: true, payload };
  }

  /** Every token issued so far answers as expired from now on; new ones are fine. */
  expireAll(): void {
    this.revokedBelow = this.issued;
  }

  private sign(data: string): string {
    return createHmac("sha256", this.key).update(data).digest("base64url");
  }
}

function base64url(text: string): string {
  return Buffer.from(text, "utf8").toString("base64url");
}
