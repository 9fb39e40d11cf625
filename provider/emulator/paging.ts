/**
 * emnify's documented paging of large collections ("Collections and pagination" in its API
 * guidelines): `page` and `per_page` in the query; `X-Total-Count`, `X-Total-Pages`,
 * `X-Current-Page`, `X-Count-Per-Page` and `Link` in the answer. `per_page` below 1 (or not a
 * number) gives the default size and above the maximum is cut to it; `page` below 1 gives the first
 * page, and a page past the last answers the last page again, so a client that loops "until an
 * empty page" never stops.
 *
 * Paging faults make the emulator break these rules on purpose, so that tests can prove a client
 * notices (a repeated page, a total that disagrees with the pages).
 */

export interface PageSize {
  /** Size of a page when `per_page` is absent or below 1. */
  default: number;
  /** `per_page` above this is cut to it. */
  maximum: number;
}

/** A fault in paging, on purpose: the emulator stops paging as documented. */
export type PagingFault =
  /** Asking for `page` answers the page before it again (headers still name `page`). */
  | { kind: "repeat-page"; page: number }
  /** `X-Total-Count` says `offset` more (or fewer) items than the collection holds. */
  | { kind: "wrong-total-count"; offset: number };

export interface Page<T> {
  items: T[];
  headers: Record<string, string>;
}

export function checkPageSize(size: PageSize): PageSize {
  if (!(Number.isInteger(size.default) && size.default >= 1 && Number.isInteger(size.maximum) && size.maximum >= size.default)) {
    throw new RangeError(`page size needs whole numbers 1 <= default <= maximum, got ${size.default}/${size.maximum}`);
  }
  return { ...size };
}

export function checkPagingFault(fault: PagingFault): PagingFault {
  if (fault.kind === "repeat-page" && !(Number.isInteger(fault.page) && fault.page >= 2)) {
    throw new RangeError(`a "repeat-page" fault needs a page of 2 or more, got ${String(fault.page)}`);
  }
  if (fault.kind === "wrong-total-count" && !(Number.isInteger(fault.offset) && fault.offset !== 0)) {
    throw new RangeError(`a "wrong-total-count" fault needs a non-zero whole offset, got ${String(fault.offset)}`);
  }
  return { ...fault };
}

/** The page of `items` that `query` asks for, with emnify's paging headers. */
export function pageOf<T>(items: readonly T[], query: URLSearchParams, size: PageSize, path: string, fault?: PagingFault): Page<T> {
  const asked = wholeNumber(query.get("per_page"));
  const perPage = asked === undefined || asked < 1 ? size.default : Math.min(asked, size.maximum);
  const totalPages = Math.max(1, Math.ceil(items.length / perPage));
  const askedPage = wholeNumber(query.get("page"));
  const page = askedPage === undefined || askedPage < 1 ? 1 : Math.min(askedPage, totalPages);
  // The fault answers the previous page's items under this page's headers.
  const servedPage = fault?.kind === "repeat-page" && fault.page === page ? page - 1 : page;
  const totalCount = items.length + (fault?.kind === "wrong-total-count" ? fault.offset : 0);
  const link = (p: number, rel: string) => `<${path}?page=${p}&per_page=${perPage}>; rel="${rel}"`;
  const links = [link(1, "first")];
  if (page > 1) links.push(link(page - 1, "prev"));
  if (page < totalPages) links.push(link(page + 1, "next"));
  links.push(link(totalPages, "last"));
  return {
    items: items.slice((servedPage - 1) * perPage, servedPage * perPage),
    headers: {
      link: links.join(", "),
      "x-count-per-page": String(perPage),
      "x-current-page": String(page),
      "x-total-count": String(totalCount),
      "x-total-pages": String(totalPages),
    },
  };
}

/** A query value as a whole number; undefined when absent or not one. */
function wholeNumber(raw: string | null): number | undefined {
  if (raw === null || !/^-?\d{1,15}$/.test(raw.trim())) return undefined;
  return Number(raw.trim());
}
