/**
 * A value marked secret on the wire, the way the Pulumi SDK marks one over RPC. The dynamic-provider
 * host refuses secrets (acceptSecrets=false) and passes whatever a provider returns through as
 * plain data; the engine decodes this marker as a secret all the same, so a value returned in this
 * form is stored encrypted whatever the stored state looked like before.
 *
 * The two constants are the SDK's `specialSigKey` and `specialSecretSig`
 * (`@pulumi/pulumi/runtime/rpc`): part of Pulumi's wire and state format, they never change. They
 * are repeated here so that loading the provider does not load the SDK's runtime.
 */
export const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export interface RpcSecret {
  [SECRET_SIG_KEY]: typeof SECRET_SIG;
  value: unknown;
}

export function asRpcSecret(value: unknown): RpcSecret {
  return { [SECRET_SIG_KEY]: SECRET_SIG, value };
}

export function isRpcSecret(value: unknown): value is RpcSecret {
  return (
    typeof value === "object" && value !== null && (value as Record<string, unknown>)[SECRET_SIG_KEY] === SECRET_SIG && "value" in value
  );
}
