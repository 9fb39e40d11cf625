/**
 * Reading a whole paged collection, as emnify's API guidelines describe paging: `page` and
 * `per_page` in the query; `X-Total-Pages`, `X-Total-Count`, `X-Current-Page` in the answer.
 *
 * A page past the last answers the last page again, so "until an empty page" would never end:
 * pages are read by `X-Total-Pages`, and the items are checked against `X-Total-Count`. A repeated
 * page, an item on two pages, a total that changes or disagrees with the pages is an
 * {@link EmnifyPagingError} naming the numbers: an incomplete list must never pass for a whole one.
 * An answer without paging headers is the whole collection.
 *
 * Pages are read one after another; each is an ordinary request (paced, retried, counted).
 */
import type { ZodType } from "zod";
import { z } from "zod";
import type { EmnifyClient } from "./emnifyClient";
import { EmnifyError, describeOperation } from "./errors";

/**
 * Asked for on every page; the API cuts it to its maximum. 2,500 is the largest maximum emnify
 * documents anywhere (SIMs), so no list of its is asked for less than it grants.
 */
export const REQUESTED_PAGE_SIZE = 2500;

/** The list did not page consistently: what was read cannot be trusted to be the whole list. */
export class EmnifyPagingError extends EmnifyError {
  override name = "EmnifyPagingError";
  constructor(
    readonly operation: string,
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${describeOperation(operation)} failed: GET ${path} paged inconsistently: ${problem}`);
  }
}

export interface PagedList<T> {
  path: string;
  /** In words, for error messages. @example "listing organisations" */
  operation: string;
  /** What one item must look like. */
  item: ZodType<T>;
  /** Tells items apart, to notice a repeated page or an item on two pages. */
  key(item: T): string | number;
  /** Plural noun for messages. @example "organisations" */
  noun: string;
  /** After each page: pages read, and how many there are. */
  onPage?(done: number, total: number): void;
}

export async function readAllPages<T>(client: EmnifyClient, list: PagedList<T>): Promise<T[]> {
  const fail = (problem: string) => new EmnifyPagingError(list.operation, list.path, problem);
  const schema = z.array(list.item);
  const fetchPage = async (page: number) => {
    const answer = await client.requestWithHeaders({
      method: "GET",
      path: `${list.path}?page=${page}&per_page=${REQUESTED_PAGE_SIZE}`,
      operation: list.operation,
      schema,
    });
    const header = (name: string): number | undefined => {
      const raw = answer.headers[name];
      if (raw === undefined) return undefined;
      if (!/^\s*\d+\s*$/.test(raw)) throw fail(`page ${page} has ${name} "${raw}", which is not a whole number`);
      return Number(raw);
    };
    return {
      items: answer.body,
      totalPages: header("x-total-pages"),
      totalCount: header("x-total-count"),
      currentPage: header("x-current-page"),
    };
  };

  const first = await fetchPage(1);
  if (first.totalPages === undefined) {
    // No paging: the answer is the whole list (checked against a total, should one be given).
    if (first.totalCount !== undefined && first.totalCount !== first.items.length) {
      throw fail(`the answer holds ${first.items.length} ${list.noun}, but X-Total-Count says ${first.totalCount}`);
    }
    list.onPage?.(1, 1);
    return first.items;
  }

  const totalPages = Math.max(1, first.totalPages);
  const items: T[] = [];
  const pageOfKey = new Map<string | number, number>();
  const pageKeys: string[] = [];
  let page = 1;
  for (let current = first; ;) {
    if (current.currentPage !== undefined && current.currentPage !== page) {
      throw fail(`asked for page ${page} of ${totalPages}, the API answered page ${current.currentPage} (X-Current-Page)`);
    }
    if (current.totalCount !== first.totalCount) {
      throw fail(
        `X-Total-Count was ${String(first.totalCount)} on page 1 and ${String(current.totalCount)} on page ${page}: ` +
          `the ${list.noun} changed while they were being listed; run again`,
      );
    }
    const keys = current.items.map((item) => list.key(item));
    const signature = JSON.stringify(keys);
    const repeated = keys.length > 0 ? pageKeys.indexOf(signature) : -1;
    if (repeated >= 0) {
      throw fail(`page ${page} of ${totalPages} repeats page ${repeated + 1} (the same ${keys.length} ${list.noun})`);
    }
    for (const key of keys) {
      const seenOn = pageOfKey.get(key);
      if (seenOn !== undefined) {
        throw fail(
          `${list.noun.replace(/s$/, "")} ${String(key)} is on page ${seenOn} and again on page ${page} of ${totalPages}; run again`,
        );
      }
      pageOfKey.set(key, page);
    }
    pageKeys.push(signature);
    items.push(...current.items);
    list.onPage?.(page, totalPages);
    if (page >= totalPages) break;
    page += 1;
    current = await fetchPage(page);
  }

  if (first.totalCount !== undefined && first.totalCount !== items.length) {
    throw fail(
      `the ${totalPages} ${totalPages === 1 ? "page" : "pages"} (X-Total-Pages) held ${items.length} ${list.noun}, ` +
        `but X-Total-Count says ${first.totalCount}`,
    );
  }
  return items;
}
