/**
 * The organisations `--children` exports: GET /api/v1/organisation, read page by page, without the
 * caller's own organisation (GET /api/v1/organisation/my).
 *
 * Which organisations the list holds is not documented (emnify's emulator lists the caller too),
 * and the own organisation is not the caller's to manage: its billing config cannot be changed
 * (1406 NotAllowed). So it is left out, and the caller is told. The item schema is not documented
 * either: ids may be numbers or numeric strings, a name may be missing, extra fields (`relation`,
 * `organisation_type`, ...) are ignored.
 */
import { z } from "zod";
import { EmnifyClient } from "../client/emnifyClient";
import { readAllPages } from "../client/paging";
import { apiId } from "../billing/apiSchemas";

export const ORGANISATION_LIST_PATH = "/api/v1/organisation";
export const OWN_ORGANISATION_PATH = "/api/v1/organisation/my";

const organisationId = apiId.refine((id) => id > 0, { error: "must be a positive whole number" });

const listedOrganisation = z.looseObject({
  id: organisationId,
  name: z.string().nullish(),
});

export interface ListedOrganisation {
  id: number;
  name?: string;
}

export interface ChildOrganisations {
  children: ListedOrganisation[];
  /** The caller's own organisation, when the list held it (and it was left out). */
  leftOut?: ListedOrganisation;
}

function listed(org: { id: number; name?: string | null }): ListedOrganisation {
  return org.name == null || org.name === "" ? { id: org.id } : { id: org.id, name: org.name };
}

/** Every organisation the list holds except the caller's own, by id, each once. */
export async function listChildOrganisations(
  client: EmnifyClient,
  onPage?: (done: number, total: number) => void,
): Promise<ChildOrganisations> {
  const own = await client.request({
    method: "GET",
    path: OWN_ORGANISATION_PATH,
    operation: "reading the token's own organisation",
    schema: z.looseObject({ id: organisationId }),
  });
  const all = await readAllPages(client, {
    path: ORGANISATION_LIST_PATH,
    operation: "listing organisations",
    item: listedOrganisation,
    key: (org) => org.id,
    noun: "organisations",
    onPage,
  });
  const byId = new Map<number, ListedOrganisation>();
  for (const org of all) if (!byId.has(org.id)) byId.set(org.id, listed(org));
  const leftOut = byId.get(own.id);
  byId.delete(own.id);
  const children = [...byId.values()].sort((a, b) => a.id - b.id);
  return leftOut === undefined ? { children } : { children, leftOut };
}
