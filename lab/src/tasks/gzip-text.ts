/** A gzipped text file fetched and decompressed in the browser (the shipped fra-eng is fra.txt.gz). */
export async function fetchGzipText(url: string): Promise<string> {
  const response = await fetch(url);
  if (!response.ok || !response.body) throw new Error(`could not fetch ${url}: HTTP ${response.status}`);
  return new Response(response.body.pipeThrough(new DecompressionStream("gzip"))).text();
}
