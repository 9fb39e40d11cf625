/**
 * GET /api/v1/organisation: the organisations the caller's organisation can see (for a reseller,
 * its children). The answer's schema is not documented beyond `[{ id, name, parent: { id } }]`, so
 * ids may be numbers or numeric strings, a name may be missing, and extra fields are ignored.
 */
import { z } from "zod";
import { EmnifyClient } from "../client/emnifyClient";

export const ORGANISATION_LIST_PATH = "/api/v1/organisation";

const listedOrganisation = z.looseObject({
  id: z.union([
    z.number().int().positive(),
    z
      .string()
      .regex(/^\d+$/, { error: "must be a whole number" })
      .transform((s) => Number(s)),
  ]),
  name: z.string().nullish(),
});

const organisationList = z.array(listedOrganisation);

export interface ListedOrganisation {
  id: number;
  name?: string;
}

export async function listOrganisations(client: EmnifyClient): Promise<ListedOrganisation[]> {
  const listed = await client.request({
    method: "GET",
    path: ORGANISATION_LIST_PATH,
    operation: "listing organisations",
    schema: organisationList,
  });
  const byId = new Map<number, ListedOrganisation>();
  for (const org of listed) {
    if (!byId.has(org.id)) byId.set(org.id, org.name == null || org.name === "" ? { id: org.id } : { id: org.id, name: org.name });
  }
  return [...byId.values()].sort((a, b) => a.id - b.id);
}
