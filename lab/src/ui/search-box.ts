/**
 * A search box over the corpus's paragraphs, ranked by BM25 or by tf-idf cosine similarity
 * (gs.text.BM25, gs.text.TfidfIndex); the index is built on the page, once per corpus.
 */
import * as gs from "gradstack";

interface Index {
  search(query: string, k: number): gs.text.SearchHit[];
}

export function searchBox(parent: HTMLElement): (paragraphs: string[]) => void {
  const query = Object.assign(document.createElement("input"), {
    type: "text",
    name: "search",
    value: "time machine",
    className: "query",
  });
  const ranking = document.createElement("select");
  ranking.name = "ranking";
  for (const r of ["bm25", "tf-idf"]) ranking.add(new Option(r, r));
  const results = Object.assign(document.createElement("ol"), { className: "search-results" });
  const row = Object.assign(document.createElement("div"), { className: "search" });
  row.append(query, ranking);
  parent.append(row, results);
  let docs: string[] = [];
  const indexes = new Map<string, Index>();
  const search = () => {
    if (docs.length === 0) return;
    if (!indexes.has(ranking.value))
      indexes.set(
        ranking.value,
        ranking.value === "bm25" ? new gs.text.BM25().fit(docs) : new gs.text.TfidfIndex(docs),
      );
    const hits = indexes.get(ranking.value)!.search(query.value, 3);
    results.replaceChildren(
      ...hits.map((hit) =>
        Object.assign(document.createElement("li"), {
          textContent: `[${hit.index}] ${hit.score.toFixed(2)} · ${docs[hit.index].slice(0, 160)}…`,
          title: docs[hit.index], // the whole paragraph on hover
        }),
      ),
    );
  };
  query.addEventListener("change", search);
  ranking.addEventListener("change", search);
  return (paragraphs) => {
    if (paragraphs.length === docs.length) return; // the same corpus: the index stands
    docs = paragraphs;
    indexes.clear();
    search();
  };
}
