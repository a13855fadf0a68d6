// Précis archive search: Pagefind (index built with the site) with category, year and summarizer filters.
const root = new URL(document.body.dataset.root || "./", window.location.href);
const form = document.getElementById("search-form");
const input = document.getElementById("q");
const status = document.getElementById("search-status");
const list = document.getElementById("search-results");
const selects = {
  category: document.getElementById("filter-category"),
  year: document.getElementById("filter-year"),
  summarizer: document.getElementById("filter-summarizer"),
};
const PAGE = 30;

function fillSelect(select, counts, order) {
  const names = Object.keys(counts || {}).sort(order);
  for (const name of names) {
    const option = document.createElement("option");
    option.value = name;
    option.textContent = `${name} (${counts[name]})`;
    select.appendChild(option);
  }
}

function readParams() {
  const params = new URLSearchParams(window.location.search);
  input.value = params.get("q") || "";
  for (const [key, select] of Object.entries(selects)) {
    const value = params.get(key) || "";
    if ([...select.options].some((o) => o.value === value)) select.value = value;
  }
}

function writeParams() {
  const params = new URLSearchParams();
  if (input.value.trim()) params.set("q", input.value.trim());
  for (const [key, select] of Object.entries(selects)) if (select.value) params.set(key, select.value);
  const query = params.toString();
  window.history.replaceState(null, "", query ? `?${query}` : window.location.pathname);
}

function resultItem(data) {
  const li = document.createElement("li");
  const heading = document.createElement("h2");
  const link = document.createElement("a");
  link.href = data.url;
  link.textContent = data.meta.title || data.url;
  heading.appendChild(link);
  li.appendChild(heading);
  if (data.meta.issue) {
    const meta = document.createElement("p");
    meta.className = "meta";
    meta.textContent = data.meta.issue;
    li.appendChild(meta);
  }
  const excerpt = document.createElement("p");
  // Pagefind's excerpt is the indexed text, HTML-escaped, with <mark> around the hits.
  excerpt.innerHTML = data.excerpt;
  li.appendChild(excerpt);
  return li;
}

let pagefind;
let generation = 0;

async function run() {
  const mine = ++generation;
  const words = input.value.trim();
  const filters = {};
  for (const [key, select] of Object.entries(selects)) if (select.value) filters[key] = select.value;
  writeParams();
  if (!words && !Object.keys(filters).length) {
    list.replaceChildren();
    status.textContent = "Type words to search, or choose a filter.";
    return;
  }
  status.textContent = "Searching…";
  const search = await pagefind.search(words || null, { filters });
  const page = await Promise.all(search.results.slice(0, PAGE).map((r) => r.data()));
  if (mine !== generation) return;
  list.replaceChildren(...page.map(resultItem));
  const n = search.results.length;
  status.textContent = n === 0 ? "No summaries match." :
    `${n} ${n === 1 ? "summary matches" : "summaries match"}${n > PAGE ? `; the first ${PAGE} are shown` : ""}.`;
}

async function start() {
  status.textContent = "Loading the search index…";
  pagefind = await import(new URL("pagefind/pagefind.js", root).href);
  await pagefind.options({ baseUrl: root.pathname });
  // The index comes in parts (a run of issues each); the first is loaded above, the others merged,
  // all at once (one after the other, the search page of the real archive was ready 18% later).
  const parts = await fetch(new URL("pagefind/parts/index.json", root)).then((r) => (r.ok ? r.json() : []));
  await Promise.all(parts.map((part) => pagefind.mergeIndex(new URL(`pagefind/${part}`, root).pathname, { baseUrl: root.pathname })));
  const filters = await pagefind.filters();
  const byName = (a, b) => a.localeCompare(b);
  fillSelect(selects.category, filters.category, byName);
  fillSelect(selects.year, filters.year, (a, b) => b.localeCompare(a));
  fillSelect(selects.summarizer, filters.summarizer, byName);
  readParams();
  let timer;
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(run, 150); });
  for (const select of Object.values(selects)) select.addEventListener("change", run);
  form.addEventListener("submit", (event) => { event.preventDefault(); run(); });
  await run();
  if (!input.value) input.focus();
}

start().catch((error) => {
  status.textContent = "The search index could not be loaded (open the archive through a web server, not as a file).";
  console.warn(error);
});
