// Regions that move by themselves. An element with data-live-src (the URL of its fragment, which renders the same
// template part with the same visibility as the page) is fetched again and swapped in when an item event concerns
// it: an item it lists (data-live-items, or rows with data-item-id), a sub-flow of one (the event's parent), or,
// when it names one, any item of its flight (data-live-flight). At most once a second per region; a region the user
// is typing in waits until they leave it. The events come over one server-sent-event connection (htmx's SSE
// extension, GET /events), opened only on a page that has such a region; the server sends each browser only the
// events of items its user may read.
(() => {
  const main = document.querySelector("main");
  const regions = () => Array.from(document.querySelectorAll("[data-live-src]"));
  if (!main || !window.htmx || regions().length === 0) return;

  const lastFetched = new Map();
  const scheduled = new Set();
  const held = new Set();

  const shows = (region, event) => {
    const items = new Set((region.dataset.liveItems || "").split(" ").filter(Boolean));
    region.querySelectorAll("[data-item-id]").forEach((row) => items.add(row.dataset.itemId));
    if (items.has(String(event.item_id)) || (event.parent && items.has(String(event.parent)))) return true;
    const flight = region.dataset.liveFlight;
    return Boolean(flight) && flight === event.flight;
  };

  // The user's own work in a region is never thrown away: a field with focus, typed text, a chosen file, an open form.
  const inUse = (region) => {
    const active = document.activeElement;
    if (active && region.contains(active) && active.matches("input, textarea, select")) return true;
    if (region.querySelector("details[open]")) return true;
    return Array.from(region.querySelectorAll("textarea, input[type=file]")).some(
      (field) => (field.files && field.files.length > 0) || (field.tagName === "TEXTAREA" && field.value !== field.defaultValue),
    );
  };

  const refresh = (src) => {
    if (scheduled.has(src)) return;
    scheduled.add(src);
    const wait = Math.max(0, (lastFetched.get(src) || 0) + 1000 - Date.now());
    window.setTimeout(() => {
      scheduled.delete(src);
      const region = regions().find((candidate) => candidate.dataset.liveSrc === src);
      if (!region) return;
      if (inUse(region)) {
        held.add(src);
        return;
      }
      held.delete(src);
      lastFetched.set(src, Date.now());
      window.htmx.ajax("GET", src, { source: region, target: region, swap: "outerHTML" });
    }, wait);
  };

  document.addEventListener("focusout", () => window.setTimeout(() => held.forEach(refresh), 0));

  // Whether the events' connection is open, for anyone who asks the page (the browser tests do).
  main.addEventListener("htmx:sseError", () => (main.dataset.liveOpen = "no"));
  main.addEventListener("htmx:sseClose", () => (main.dataset.liveOpen = "no"));
  main.addEventListener("htmx:sseOpen", (opened) => {
    main.dataset.liveOpen = "yes";
    const source = opened.detail.source;
    source.addEventListener("item", (message) => {
      const event = JSON.parse(message.data);
      regions().filter((region) => shows(region, event)).forEach((region) => refresh(region.dataset.liveSrc));
    });
    // Events were lost (the server's database connection came back): everything shown may be stale.
    source.addEventListener("resync", () => regions().forEach((region) => refresh(region.dataset.liveSrc)));
  });

  main.setAttribute("hx-ext", "sse");
  main.setAttribute("sse-connect", "/events");
  main.setAttribute("sse-close", "signed-out");
})();
