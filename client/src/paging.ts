/** Every list of the API answers `{ data, nextCursor }`, newest first; `nextCursor` goes back as `cursor`. */
export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

/** Every item of every page, fetching the next page only when the caller reaches it. */
export async function* eachItem<T>(fetchPage: (cursor: string | undefined) => Promise<Page<T>>): AsyncGenerator<T, void, undefined> {
  let cursor: string | undefined;
  do {
    const page = await fetchPage(cursor);
    yield* page.data;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}
