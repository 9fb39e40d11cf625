/**
 * Conversions between plain JS values and the protobuf messages the ResourceProvider service
 * speaks, plus decoding of the structured error details the dynamic-provider host attaches.
 * Uses the protobuf modules shipped with @pulumi/pulumi, i.e. the same generated code the host
 * uses on the other end.
 */
import type * as grpc from "@grpc/grpc-js";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import * as statusproto from "@pulumi/pulumi/proto/status_pb";
import { JsonObject, JsonValue } from "./types";

/**
 * google.protobuf.Struct cannot carry `undefined` (fromJavaScript throws on it) and the engine
 * never sends it: a property that is not set is absent. Drop undefined members the same way.
 */
function dropUndefined(value: unknown): JsonValue {
  if (Array.isArray(value)) {
    return value.map((item) => (item === undefined ? null : dropUndefined(item)));
  }
  if (typeof value === "object" && value !== null) {
    const out: JsonObject = {};
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) {
        out[key] = dropUndefined(item);
      }
    }
    return out;
  }
  return value as JsonValue;
}

export function toStruct(props: JsonObject): Struct {
  return Struct.fromJavaScript(dropUndefined(props) as { [key: string]: JsonValue });
}

export function fromStruct(struct: Struct | undefined): JsonObject {
  return struct?.toJavaScript() ?? {};
}

/** What the host packs into `grpc-status-details-bin` when a create/update half-succeeded. */
export interface ResourceInitFailure {
  id: string;
  properties: JsonObject;
  reasons: string[];
}

const INIT_FAILED_TYPE = "pulumirpc.ErrorResourceInitFailed";

/**
 * Decodes ErrorResourceInitFailed from a failed call's trailing metadata. The host only attaches
 * it when the thrown error carried an `id` (the object exists but is not in the desired state);
 * the engine then records that id and those properties in the state.
 */
export function decodeInitFailure(error: grpc.ServiceError): ResourceInitFailure | undefined {
  const raw = error.metadata?.get("grpc-status-details-bin") ?? [];
  for (const entry of raw) {
    const bytes = typeof entry === "string" ? Buffer.from(entry, "base64") : entry;
    const status = statusproto.Status.deserializeBinary(new Uint8Array(bytes));
    for (const detail of status.getDetailsList()) {
      const failure = detail.unpack((bytes) => provproto.ErrorResourceInitFailed.deserializeBinary(bytes), INIT_FAILED_TYPE);
      if (failure) {
        return {
          id: failure.getId(),
          properties: fromStruct(failure.getProperties()),
          reasons: failure.getReasonsList(),
        };
      }
    }
  }
  return undefined;
}

/** Splits a URN into the type and name the engine also sends alongside it. */
export function parseUrn(urn: string): { type: string; name: string } {
  const parts = urn.split("::");
  if (parts.length < 4 || !parts[0].startsWith("urn:pulumi:")) {
    throw new Error(`not a Pulumi URN: ${urn}`);
  }
  const qualifiedType = parts[2];
  return { type: qualifiedType.split("$").pop()!, name: parts.slice(3).join("::") };
}
