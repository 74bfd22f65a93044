// Today's statistics follow the day: now and then the page asks whether anything happened since its
// figures were taken (a cheap look at the newest event), and only then fetches the page again and
// swaps in its figures. At most one recount per period, however busy the center.
"use strict";
(function () {
  const body = document.getElementById("stats-body");
  if (!body || !body.dataset.live) return;
  const PERIOD_MS = Number(body.dataset.period) * 1000;
  let busy = false;

  async function newest() {
    const response = await fetch(body.dataset.changes, { headers: { Accept: "application/json" } });
    if (response.status === 401) { location.reload(); return null; }
    return response.ok ? (await response.json()).seq : null;
  }

  async function refresh() {
    if (busy) return;
    busy = true;
    try {
      const current = document.getElementById("stats-body");
      const seq = await newest();
      if (seq === null || String(seq) === current.dataset.seq) return;
      const response = await fetch(location.href, { headers: { Accept: "text/html" } });
      if (!response.ok) return;
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.getElementById("stats-body");
      if (fresh) current.replaceWith(document.importNode(fresh, true));
    } catch (error) { /* try again next period */ } finally {
      busy = false;
    }
  }

  setInterval(refresh, PERIOD_MS);
})();
